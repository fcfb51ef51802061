import { useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, errorMessage } from '../../lib/api';
import { TASK_STATUSES } from '../../lib/enums';
import type { Task, TaskStatus } from '../../lib/types';
import { Dialog } from '../../components/Dialog';
import { FormActions, FormError, SelectField, TextField } from '../../components/Field';
import { useToast } from '../../components/Toast';
import type { Option, TaskInput } from './api';
import { useCreateTask, useUpdateTask } from './api';

const FIELDS = ['title', 'deal_id', 'assignee_id', 'due_date', 'status'];

function TaskForm({
  task,
  initial,
  users,
  deals,
  busy,
  error,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  task?: Task | undefined;
  /** pre-filled values for a new task */
  initial?: Partial<TaskInput> | undefined;
  users: Option[];
  deals: Option[];
  busy: boolean;
  error: unknown;
  submitLabel: string;
  onSubmit: (input: TaskInput) => void;
  onCancel: () => void;
}) {
  const start = task ?? initial;
  const [title, setTitle] = useState(start?.title ?? '');
  const [deal, setDeal] = useState(start?.deal_id ?? '');
  const [assignee, setAssignee] = useState(start?.assignee_id ?? '');
  const [due, setDue] = useState(start?.due_date ?? '');
  const [status, setStatus] = useState<TaskStatus>(start?.status ?? 'open');

  const apiErr = error instanceof ApiError ? error : null;
  const fieldErr = (f: string) => apiErr?.fieldError(f);
  const formMessage = error
    ? apiErr && apiErr.errors.length > 0 && apiErr.errors.every((e) => FIELDS.includes(e.field))
      ? 'Please correct the fields marked below.'
      : apiErr?.status === 412
        ? 'Someone else changed this task meanwhile. Close this dialog to see their version, then try again.'
        : errorMessage(error)
    : null;

  // A deal or user the lists do not hold (e.g. past the first 100) stays selectable.
  const withCurrent = (opts: Option[], id: string, label: string) =>
    id && !opts.some((o) => o.value === id) ? [...opts, { value: id, label }] : opts;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({
      title: title.trim(),
      deal_id: deal || null,
      assignee_id: assignee || null,
      due_date: due || null,
      status,
    });
  };

  return (
    <form onSubmit={submit} noValidate>
      <FormError message={formMessage} />
      <TextField label="Title" value={title} onChange={(e) => setTitle(e.target.value)} error={fieldErr('title')} />
      <SelectField
        label="Deal"
        value={deal}
        onChange={(e) => setDeal(e.target.value)}
        options={[{ value: '', label: 'No deal' }, ...withCurrent(deals, deal, 'Current deal')]}
        error={fieldErr('deal_id')}
      />
      <SelectField
        label="Assignee"
        value={assignee}
        onChange={(e) => setAssignee(e.target.value)}
        options={[{ value: '', label: 'Unassigned' }, ...withCurrent(users, assignee, task?.assignee?.name ?? 'Current assignee')]}
        error={fieldErr('assignee_id')}
      />
      <TextField label="Due date" type="date" value={due} onChange={(e) => setDue(e.target.value)} error={fieldErr('due_date')} />
      <SelectField
        label="Status"
        value={status}
        onChange={(e) => setStatus(e.target.value as TaskStatus)}
        options={TASK_STATUSES}
        error={fieldErr('status')}
      />
      <FormActions submitLabel={submitLabel} busy={busy} onCancel={onCancel} />
    </form>
  );
}

/** "New task" (task undefined) or "Edit task". */
export function TaskDialog({
  open,
  task,
  users,
  deals,
  defaults,
  onOpenChange,
}: {
  open: boolean;
  task?: Task | undefined;
  users: Option[];
  deals: Option[];
  defaults?: Partial<TaskInput> | undefined;
  onOpenChange: (o: boolean) => void;
}) {
  const create = useCreateTask();
  const update = useUpdateTask();
  const toast = useToast();
  const m = task ? update : create;
  const close = () => {
    create.reset();
    update.reset();
    onOpenChange(false);
  };
  return (
    <Dialog open={open} onOpenChange={(o) => (o ? onOpenChange(true) : close())} title={task ? 'Edit task' : 'New task'}>
      {open ? (
        <TaskForm
          key={task?.id ?? 'new'}
          task={task}
          initial={defaults}
          users={users}
          deals={deals}
          busy={m.isPending}
          error={m.error}
          submitLabel={task ? 'Save changes' : 'Create task'}
          onCancel={close}
          onSubmit={(input) => {
            if (task) {
              update.mutate(
                { task, input },
                {
                  onSuccess: (t) => {
                    toast.success(`"${t.title}" was saved.`);
                    close();
                  },
                },
              );
            } else {
              create.mutate(input, {
                onSuccess: (t) => {
                  toast.success(`"${t.title}" was created.`);
                  close();
                },
              });
            }
          }}
        />
      ) : null}
    </Dialog>
  );
}
