import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { ApiError, errorMessage } from '../../lib/api';
import { ORG_ROLES } from '../../lib/enums';
import { asSentence, formatDateTime } from '../../lib/format';
import type { OrgRole } from '../../lib/types';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { FormActions, FormError, SelectField, TextField, focusFirstInvalid } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { Spinner, ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { PASSWORD_HINT, passwordProblem } from '../account/passwordRules';
import type { NewPerson, Person } from './api';
import { personName, resetUrl, useAddPerson, useChangePerson, useIssueResetLink } from './api';

type Errors = Partial<Record<'email' | 'password' | 'first_name' | 'last_name' | 'role', string>>;

/** Checks made before sending; the server checks again and its words win. */
export function validateNewPerson(input: NewPerson): Errors {
  const errors: Errors = {};
  const email = input.email.trim();
  if (!email) errors.email = 'Enter an email address.';
  else if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = 'Enter an email address such as name@example.com.';
  const pw = input.password.length === 0 ? 'Enter an initial password.' : passwordProblem(input.password);
  if (pw) errors.password = pw;
  if (input.first_name.length > 100) errors.first_name = 'Use at most 100 characters.';
  if (input.last_name.length > 100) errors.last_name = 'Use at most 100 characters.';
  return errors;
}

/** Field errors of a refused request; a duplicate e-mail (409) belongs to the e-mail field. */
function serverErrors(err: unknown, fields: readonly string[]): { fields: Errors; form: string | null } {
  if (!(err instanceof ApiError)) return { fields: {}, form: err ? errorMessage(err) : null };
  if (err.status === 409 && fields.includes('email')) {
    return { fields: { email: `${err.userMessage}. Use another address, or find the person in the list.` }, form: null };
  }
  const f: Errors = {};
  for (const e of err.errors) {
    if (fields.includes(e.field)) f[e.field as keyof Errors] = asSentence(e.message);
  }
  const unplaced = err.errors.some((e) => !fields.includes(e.field));
  const form = Object.keys(f).length > 0 && !unplaced ? 'Please correct the fields marked below.' : err.userMessage;
  return { fields: f, form };
}

const PERSON_FIELDS = ['email', 'password', 'first_name', 'last_name', 'role'] as const;

function AddPersonForm({ onDone }: { onDone: () => void }) {
  const add = useAddPerson();
  const toast = useToast();
  const formRef = useRef<HTMLFormElement>(null);
  const [input, setInput] = useState<NewPerson>({ email: '', password: '', first_name: '', last_name: '', role: 'member' });
  const [local, setLocal] = useState<Errors>({});
  const set = (k: keyof NewPerson, v: string) => setInput((i) => ({ ...i, [k]: v }));

  const server = serverErrors(add.error, PERSON_FIELDS);
  const err = (k: keyof Errors) => local[k] ?? server.fields[k];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors = validateNewPerson(input);
    setLocal(errors);
    add.reset();
    if (Object.keys(errors).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    const body: NewPerson = {
      ...input,
      email: input.email.trim(),
      first_name: input.first_name.trim(),
      last_name: input.last_name.trim(),
    };
    add.mutate(body, {
      onSuccess: (p) => {
        toast.success(`${personName(p)} was added as ${p.role === 'admin' ? 'an' : 'a'} ${ORG_ROLES.find((r) => r.value === p.role)?.label ?? p.role}. Give them the initial password yourself.`);
        onDone();
      },
      onError: () => focusFirstInvalid(formRef.current),
    });
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      <FormError message={Object.keys(local).length > 0 ? 'Please correct the fields marked below.' : server.form} />
      <TextField
        label="Email"
        type="email"
        autoComplete="off"
        value={input.email}
        onChange={(e) => set('email', e.target.value)}
        error={err('email')}
        required
      />
      <div className="team-name-fields">
        <TextField
          label="First name"
          autoComplete="off"
          value={input.first_name}
          onChange={(e) => set('first_name', e.target.value)}
          error={err('first_name')}
        />
        <TextField
          label="Last name"
          autoComplete="off"
          value={input.last_name}
          onChange={(e) => set('last_name', e.target.value)}
          error={err('last_name')}
        />
      </div>
      <SelectField
        label="Role"
        value={input.role}
        onChange={(e) => set('role', e.target.value as OrgRole)}
        options={ORG_ROLES}
        error={err('role')}
        hint="Admins manage people; members work on deals; viewers only read."
      />
      <TextField
        label="Initial password"
        type="password"
        autoComplete="new-password"
        value={input.password}
        onChange={(e) => set('password', e.target.value)}
        error={err('password')}
        hint={`${PASSWORD_HINT} maplat sends no email: give it to the person yourself.`}
        required
      />
      <FormActions submitLabel="Add person" busy={add.isPending} onCancel={onDone} />
    </form>
  );
}

export function AddPersonDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Add person">
      {open ? <AddPersonForm onDone={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

const NAME_FIELDS = ['first_name', 'last_name'] as const;

function EditNameForm({ person, onDone }: { person: Person; onDone: () => void }) {
  const change = useChangePerson();
  const toast = useToast();
  const formRef = useRef<HTMLFormElement>(null);
  const [first, setFirst] = useState(person.first_name);
  const [last, setLast] = useState(person.last_name);
  const [local, setLocal] = useState<Errors>({});
  const server = serverErrors(change.error, NAME_FIELDS);
  const err = (k: 'first_name' | 'last_name') => local[k] ?? server.fields[k];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors: Errors = {};
    if (first.trim().length > 100) errors.first_name = 'Use at most 100 characters.';
    if (last.trim().length > 100) errors.last_name = 'Use at most 100 characters.';
    setLocal(errors);
    change.reset();
    if (Object.keys(errors).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    change.mutate(
      { person, change: { first_name: first.trim(), last_name: last.trim() } },
      {
        onSuccess: (p) => {
          toast.success(`The name was saved: ${personName(p)}.`);
          onDone();
        },
        onError: () => focusFirstInvalid(formRef.current),
      },
    );
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate>
      <FormError message={Object.keys(local).length > 0 ? 'Please correct the fields marked below.' : server.form} />
      <p className="muted team-dialog-email">{person.email}</p>
      <TextField label="First name" value={first} onChange={(e) => setFirst(e.target.value)} error={err('first_name')} />
      <TextField label="Last name" value={last} onChange={(e) => setLast(e.target.value)} error={err('last_name')} />
      <FormActions submitLabel="Save name" busy={change.isPending} onCancel={onDone} />
    </form>
  );
}

export function EditNameDialog({ person, onClose }: { person: Person | null; onClose: () => void }) {
  return (
    <Dialog open={person !== null} onOpenChange={(o) => (o ? undefined : onClose())} title={person ? `Edit ${personName(person)}` : 'Edit'}>
      {person ? <EditNameForm key={person.id} person={person} onDone={onClose} /> : null}
    </Dialog>
  );
}

/** Copies the link; where the clipboard is not available, selects it for Ctrl+C. */
function ResetLinkBody({ person, onDone }: { person: Person; onDone: () => void }) {
  const issue = useIssueResetLink();
  const inputRef = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'selected'>('idle');
  const { mutate, reset } = issue;

  // One link per opening; the token is dropped from memory when the dialog closes.
  useEffect(() => {
    mutate(person);
    return () => reset();
  }, [person, mutate, reset]);

  const name = personName(person);

  if (issue.isError) {
    return (
      <>
        <ErrorState error={issue.error} title="The link could not be created" onRetry={() => mutate(person)} />
        <div className="dialog-actions">
          <Button onClick={onDone}>Close</Button>
        </div>
      </>
    );
  }
  if (!issue.data) return <Spinner label="Creating the link" />;

  const url = resetUrl(issue.data.token);
  const select = () => {
    inputRef.current?.focus();
    inputRef.current?.select();
  };
  const copy = async () => {
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      setCopyState('copied');
    } catch {
      select();
      setCopyState('selected');
    }
  };

  return (
    <>
      <p>
        maplat sends no email: give this link to {name} yourself, over a channel you trust (in person, by phone, or your
        chat). Anyone who has the link can set {name}&apos;s password.
      </p>
      <div className="team-reset-link">
        <TextField
          ref={inputRef}
          label="Reset link"
          readOnly
          value={url}
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby="team-reset-expiry"
        />
        <Button onClick={() => void copy()} aria-describedby="team-copy-status">
          <Icon name="copy" size={16} /> Copy
        </Button>
      </div>
      <p id="team-reset-expiry" className="field-hint">
        It works once, until <time dateTime={issue.data.expires_at}>{formatDateTime(issue.data.expires_at)}</time>. A
        newer link for {name} replaces this one.
      </p>
      <p id="team-copy-status" className="team-copy-status" role="status">
        {copyState === 'copied'
          ? 'The link was copied to the clipboard.'
          : copyState === 'selected'
            ? 'The link is selected: press Ctrl+C (⌘C on a Mac) to copy it.'
            : ''}
      </p>
      <div className="dialog-actions">
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </>
  );
}

export function ResetLinkDialog({ person, onClose }: { person: Person | null; onClose: () => void }) {
  return (
    <Dialog
      open={person !== null}
      onOpenChange={(o) => (o ? undefined : onClose())}
      title={person ? `Password reset link for ${personName(person)}` : 'Password reset link'}
    >
      {person ? <ResetLinkBody key={person.id} person={person} onDone={onClose} /> : null}
    </Dialog>
  );
}
