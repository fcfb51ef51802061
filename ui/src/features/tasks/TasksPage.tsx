// Tasks: a filtered, paged list (filters in the URL); create and edit in a dialog,
// mark done at once (optimistic), delete behind a confirmation. Viewers only read.
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../lib/api';
import { canWrite, useUser } from '../../lib/auth';
import { TASK_STATUSES, taskStatusLabel } from '../../lib/enums';
import { formatDate, formatTotal } from '../../lib/format';
import type { Task, TaskStatus } from '../../lib/types';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { SelectField } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { PageHeader } from '../../components/PageHeader';
import { Pagination } from '../../components/Pagination';
import { SkeletonRows } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { useDealOptions, useDeleteTask, useSetTaskStatus, useTaskList, useUserOptions } from './api';
import type { TaskFilters } from './filters';
import {
  ASSIGNED_TO_ME,
  TASK_PAGE_SIZE,
  hasTaskFilters,
  isOverdue,
  localToday,
  parseTaskFilters,
  taskFiltersToParams,
  withTaskFilter,
} from './filters';
import { TaskDialog } from './TaskDialog';

const STATUS_BADGE: Record<TaskStatus, string> = { open: 'badge-blue', in_progress: 'badge-amber', done: 'badge-green' };

function DueDate({ task, today }: { task: Task; today: string }) {
  if (!task.due_date) return <span className="muted">No due date</span>;
  if (!isOverdue(task, today)) return <span>{formatDate(task.due_date)}</span>;
  return (
    <span className="task-overdue">
      <span className="task-overdue-date">
        <Icon name="alert" size={16} />
        {formatDate(task.due_date)}
      </span>
      <span className="badge badge-red">Overdue</span>
    </span>
  );
}

/**
 * The "done" checkbox. It shows the click at once, before the optimistic cache write
 * renders (a controlled box would spring back for a moment), and follows the task
 * again whenever the task itself changes (the write, the rollback, the refetch).
 */
function DoneBox({ task, onToggle }: { task: Task; onToggle: (done: boolean) => void }) {
  const [shown, setShown] = useState<boolean | null>(null);
  useEffect(() => setShown(null), [task]);
  return (
    <input
      type="checkbox"
      aria-label={`Mark ${task.title} done`}
      checked={shown ?? task.status === 'done'}
      onChange={(e) => {
        setShown(e.target.checked);
        onToggle(e.target.checked);
      }}
    />
  );
}

export default function TasksPage() {
  const user = useUser();
  const editable = canWrite(user);
  const toast = useToast();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseTaskFilters(params), [params]);
  const list = useTaskList(filters, user.id);
  const users = useUserOptions();
  const deals = useDealOptions();
  const setStatus = useSetTaskStatus();
  const del = useDeleteTask();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Task | null>(null);
  const [deleting, setDeleting] = useState<Task | null>(null);
  const today = localToday();

  const apply = (f: TaskFilters) => setParams(taskFiltersToParams(f));
  const userOpts = users.data ?? [];
  const dealOpts = deals.data ?? [];
  const dealName = (id: string) => dealOpts.find((d) => d.value === id)?.label ?? 'Open the deal';

  const page = list.data;
  const items = page?.items ?? [];

  return (
    <div className="tasks-page">
      <PageHeader
        title="Tasks"
        actions={
          editable ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} /> New task
            </Button>
          ) : null
        }
      >
        {page ? `${formatTotal(page.total, page.total_exact ?? true)} ${page.total === 1 && page.total_exact !== false ? 'task' : 'tasks'}${hasTaskFilters(filters) ? ' match the filters' : ''}` : 'Your organization’s tasks'}
      </PageHeader>
      {!editable ? (
        <p className="notice tasks-readonly">
          <Icon name="lock" size={16} /> You have read-only access: you can see tasks, but not add or change them.
        </p>
      ) : null}

      <form className="toolbar tasks-filters" role="search" aria-label="Filter tasks" onSubmit={(e) => e.preventDefault()}>
        <SelectField
          label="Status"
          value={filters.status}
          onChange={(e) => apply(withTaskFilter(filters, 'status', e.target.value as TaskStatus | ''))}
          options={[{ value: '', label: 'Any status' }, ...TASK_STATUSES]}
        />
        <SelectField
          label="Assignee"
          value={filters.assignee}
          onChange={(e) => apply(withTaskFilter(filters, 'assignee', e.target.value))}
          options={[
            { value: '', label: 'Anyone' },
            { value: ASSIGNED_TO_ME, label: 'Assigned to me' },
            ...userOpts,
            ...(filters.assignee && filters.assignee !== ASSIGNED_TO_ME && !userOpts.some((o) => o.value === filters.assignee)
              ? [{ value: filters.assignee, label: users.isPending ? 'Loading…' : 'Another user' }]
              : []),
          ]}
        />
        <SelectField
          label="Deal"
          value={filters.deal}
          onChange={(e) => apply(withTaskFilter(filters, 'deal', e.target.value))}
          options={[
            { value: '', label: 'Any deal' },
            ...dealOpts,
            ...(filters.deal && !dealOpts.some((o) => o.value === filters.deal)
              ? [{ value: filters.deal, label: deals.isPending ? 'Loading…' : 'Another deal' }]
              : []),
          ]}
        />
        {hasTaskFilters(filters) ? (
          <Button variant="ghost" onClick={() => apply({ status: '', assignee: '', deal: '', page: 1 })}>
            Clear filters
          </Button>
        ) : null}
      </form>
      {users.isError || deals.isError ? (
        <p className="form-error" role="alert">
          Some filter choices could not be loaded: {errorMessage(users.error ?? deals.error)}
        </p>
      ) : null}

      {list.isPending ? (
        <SkeletonRows rows={6} columns={5} label="Loading the tasks" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title="The tasks could not be loaded" />
      ) : items.length === 0 ? (
        filters.page > 1 ? (
          <EmptyState
            title="This page is empty"
            action={<Button onClick={() => apply({ ...filters, page: 1 })}>Go to the first page</Button>}
          />
        ) : hasTaskFilters(filters) ? (
          <EmptyState
            title="No tasks match these filters"
            action={<Button onClick={() => apply({ status: '', assignee: '', deal: '', page: 1 })}>Clear filters</Button>}
          />
        ) : (
          <EmptyState
            title="No tasks yet"
            action={editable ? <Button variant="primary" onClick={() => setCreating(true)}>New task</Button> : undefined}
          >
            Tasks keep track of who does what on each deal, and by when.
          </EmptyState>
        )
      ) : (
        <>
          <div className="table-wrap table-cards tasks-table-wrap" aria-busy={list.isPlaceholderData || undefined}>
            <table className="tasks-table">
              <caption className="visually-hidden">Tasks, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">{editable ? 'Done' : <span className="visually-hidden">Done</span>}</th>
                  <th scope="col">Task</th>
                  <th scope="col">Deal</th>
                  <th scope="col">Assignee</th>
                  <th scope="col">Due</th>
                  <th scope="col">Status</th>
                  {editable ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {items.map((t) => (
                  <tr key={t.id} className={t.status === 'done' ? 'task-done' : undefined}>
                    <td className="task-check" data-label="Done">
                      {editable ? (
                        <DoneBox task={t} onToggle={(done) => setStatus.mutate({ task: t, status: done ? 'done' : 'open' })} />
                      ) : t.status === 'done' ? (
                        <Icon name="check" label="Done" />
                      ) : null}
                    </td>
                    <td className="task-title" data-label="Task">
                      {t.title}
                    </td>
                    <td data-label="Deal">{t.deal_id ? <Link to={`/deals/${t.deal_id}`}>{dealName(t.deal_id)}</Link> : <span className="muted">—</span>}</td>
                    <td data-label="Assignee">{t.assignee ? t.assignee.name : <span className="muted">Unassigned</span>}</td>
                    <td data-label="Due">
                      <DueDate task={t} today={today} />
                    </td>
                    <td data-label="Status">
                      <span className={`badge ${STATUS_BADGE[t.status]}`}>{taskStatusLabel(t.status)}</span>
                    </td>
                    {editable ? (
                      <td className="task-actions" data-label="Actions">
                        <Button size="sm" onClick={() => setEditing(t)} aria-label={`Edit ${t.title}`}>
                          Edit
                        </Button>
                        <Button size="sm" variant="ghost" className="task-delete" onClick={() => setDeleting(t)} aria-label={`Delete ${t.title}`}>
                          Delete
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination
            page={filters.page}
            pageSize={TASK_PAGE_SIZE}
            total={page?.total ?? 0}
            totalExact={page?.total_exact ?? true}
            {...(page && page.next_cursor !== undefined ? { hasNext: page.next_cursor !== null } : {})}
            {...(page ? { items: page.items.length } : {})}
            onPage={(n) => apply({ ...filters, page: n })}
            label="Task pages"
          />
        </>
      )}

      {editable ? (
        <>
          <TaskDialog
            open={creating}
            users={userOpts}
            deals={dealOpts}
            defaults={filters.deal ? { deal_id: filters.deal } : undefined}
            onOpenChange={setCreating}
          />
          <TaskDialog open={editing !== null} task={editing ?? undefined} users={userOpts} deals={dealOpts} onOpenChange={(o) => (!o ? setEditing(null) : undefined)} />
          <ConfirmDialog
            open={deleting !== null}
            onOpenChange={(o) => (!o ? setDeleting(null) : undefined)}
            title={deleting ? `Delete "${deleting.title}"?` : 'Delete task?'}
            description="The task is removed for everyone in your organization. This cannot be undone."
            confirmLabel="Delete task"
            onConfirm={async () => {
              if (!deleting) return;
              const t = deleting;
              try {
                await del.mutateAsync(t);
                toast.success(`"${t.title}" was deleted.`);
              } catch (err) {
                toast.error(`"${t.title}" could not be deleted: ${errorMessage(err)}`);
                throw err;
              }
            }}
          />
        </>
      ) : null}
    </div>
  );
}
