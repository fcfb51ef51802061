import { useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { ApiError, api, errorMessage } from '../../lib/api';
import { asSentence } from '../../lib/format';
import { useAuth, useUser } from '../../lib/auth';
import { roleLabel } from '../../lib/enums';
import { Button } from '../../components/Button';
import { FormError, TextField, focusFirstInvalid } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { PASSWORD_HINT, validateNewPassword } from './passwordRules';

interface Errors {
  current?: string;
  password?: string;
  confirm?: string;
}

/** The words for a refused password change: which field, or the form. */
export function passwordChangeErrors(err: unknown): { fields: Errors; form: string | null } {
  if (!err) return { fields: {}, form: null };
  if (!(err instanceof ApiError)) return { fields: {}, form: errorMessage(err) };
  if (err.status === 401) {
    return { fields: { current: 'The current password is wrong. Check it and try again.' }, form: null };
  }
  if (err.status === 429) {
    return {
      fields: {},
      form: `Too many wrong passwords: password changes (and sign-ins) are paused for your account.${
        err.retryAfter !== undefined ? ` Try again in ${err.retryAfter} s.` : ' Try again later.'
      }`,
    };
  }
  if (err.status === 422 && err.errors.length > 0) {
    const fields: Errors = {};
    for (const e of err.errors) {
      if (e.field === 'current_password') fields.current = asSentence(e.message);
      else if (e.field === 'new_password') fields.password = asSentence(e.message);
    }
    return { fields, form: Object.keys(fields).length > 0 ? 'Please correct the fields marked below.' : err.userMessage };
  }
  return { fields: {}, form: err.userMessage };
}

function ChangePasswordForm() {
  const user = useUser();
  const { reloadUser } = useAuth();
  const formRef = useRef<HTMLFormElement>(null);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [local, setLocal] = useState<Errors>({});
  const [done, setDone] = useState<string | null>(null);

  const change = useMutation({
    // On success the server has ended every access token of ours, this one too: renew the
    // session at once (this browser's refresh cookie was kept), before anything else asks
    // the API. Resolves whether that worked.
    mutationFn: async (body: { current_password: string; new_password: string }) => {
      await api<void>('/auth/password', { method: 'POST', body });
      return reloadUser();
    },
  });

  const server = passwordChangeErrors(change.error);
  const err = (k: keyof Errors) => local[k] ?? server.fields[k];

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    change.reset();
    const rules = validateNewPassword(next, confirm);
    const errors: Errors = { ...rules };
    if (current.length === 0) errors.current = 'Enter your current password.';
    else if (next.length > 0 && next === current && !rules.password) {
      errors.password = 'Choose a password different from the current one.';
    }
    setLocal(errors);
    if (Object.keys(errors).length > 0) {
      focusFirstInvalid(formRef.current);
      return;
    }
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: (renewed) => {
          setCurrent('');
          setNext('');
          setConfirm('');
          setDone(
            renewed
              ? 'Password changed. Your other sessions have been signed out.'
              : 'Password changed. Your other sessions have been signed out; sign in again here with the new password.',
          );
        },
        onError: (error) => {
          if (error instanceof ApiError && error.status === 401) setCurrent('');
          focusFirstInvalid(formRef.current);
        },
      },
    );
  };

  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-labelledby="account-password-heading">
      {/* for password managers: whose password this is */}
      <input type="text" name="username" autoComplete="username" value={user.email} readOnly hidden />
      <p className="account-done" role="status">
        {done}
      </p>
      <FormError message={Object.keys(local).length > 0 ? 'Please correct the fields marked below.' : server.form} />
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={err('current')}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={err('password')}
        hint={PASSWORD_HINT}
      />
      <TextField
        label="Confirm new password"
        type="password"
        autoComplete="new-password"
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        error={err('confirm')}
      />
      <p className="field-hint account-note">
        Changing your password signs you out everywhere else: on other devices and in other browsers.
      </p>
      <Button type="submit" variant="primary" busy={change.isPending}>
        Change password
      </Button>
    </form>
  );
}

/** The signed-in person's own details and password. */
export default function AccountPage() {
  const user = useUser();
  return (
    <section className="account-page">
      <PageHeader title="Account">Your details and your password.</PageHeader>
      <div className="account-grid">
        <section className="card" aria-labelledby="account-details-heading">
          <h2 id="account-details-heading">Your details</h2>
          <dl className="account-details">
            <div>
              <dt>Name</dt>
              <dd>{`${user.first_name} ${user.last_name}`.trim() || '—'}</dd>
            </div>
            <div>
              <dt>Email</dt>
              <dd>{user.email}</dd>
            </div>
            <div>
              <dt>Role</dt>
              <dd>{roleLabel(user.role)}</dd>
            </div>
          </dl>
          <p className="muted account-note">An admin of your organization can change your name and role.</p>
        </section>
        <section className="card" aria-labelledby="account-password-heading">
          <h2 id="account-password-heading">Change password</h2>
          <ChangePasswordForm />
        </section>
      </div>
    </section>
  );
}
