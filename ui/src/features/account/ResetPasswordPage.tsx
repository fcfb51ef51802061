import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError, api, errorMessage } from '../../lib/api';
import { asSentence } from '../../lib/format';
import { Button } from '../../components/Button';
import { FormError, TextField, focusFirstInvalid } from '../../components/Field';
import { PASSWORD_HINT, validateNewPassword } from './passwordRules';

type Phase = 'form' | 'done' | 'invalid' | 'missing';

interface Errors {
  password?: string;
  confirm?: string;
}

const INVALID =
  'This link is no longer valid: it has been used already, a newer link replaced it, or it expired (links work for 24 hours). Ask an admin of your organization for a new one.';

/**
 * The public page of a password-reset link (/reset-password?token=…). The token is read
 * once into memory and taken out of the address bar at once, so it stays neither in the
 * history nor on screen; it is never stored.
 */
export default function ResetPasswordPage() {
  const navigate = useNavigate();
  const [token] = useState<string | null>(() => new URLSearchParams(window.location.search).get('token'));
  const [phase, setPhase] = useState<Phase>(token ? 'form' : 'missing');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    if (window.location.search.includes('token=')) {
      navigate({ pathname: '/reset-password', search: '', hash: '' }, { replace: true });
    }
  }, [navigate]);

  useEffect(() => {
    document.title = `${phase === 'done' ? 'Password set' : 'Set a new password'} · maplat`;
    if (phase !== 'form') headingRef.current?.focus();
  }, [phase]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(null);
    const found = validateNewPassword(password, confirm);
    setErrors(found);
    if (Object.keys(found).length > 0 || !token) {
      focusFirstInvalid(formRef.current);
      return;
    }
    setBusy(true);
    try {
      await api<void>('/auth/password-reset', {
        method: 'POST',
        body: { token, new_password: password },
        anonymous: true,
      });
      setPassword('');
      setConfirm('');
      setPhase('done');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setPhase('invalid');
      } else if (err instanceof ApiError && err.status === 422 && err.fieldError('new_password')) {
        setErrors({ password: asSentence(err.fieldError('new_password') ?? '') });
        focusFirstInvalid(formRef.current);
      } else if (err instanceof ApiError && err.status === 429) {
        setFormError(
          `Too many attempts from this network: wait before trying again.${
            err.retryAfter !== undefined ? ` Try again in ${err.retryAfter} s.` : ''
          } The link stays valid meanwhile.`,
        );
      } else {
        setFormError(errorMessage(err));
      }
    } finally {
      setBusy(false);
    }
  };

  const heading =
    phase === 'done' ? 'Password set' : phase === 'form' ? 'Set a new password' : 'This link cannot be used';

  return (
    <main className="login-page" id="main">
      <div className="login-card reset-card">
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            m
          </span>
          <span>maplat</span>
        </div>
        <h1 ref={headingRef} tabIndex={-1}>
          {heading}
        </h1>
        {phase === 'form' ? (
          <>
            <p className="muted">Choose a new password for your maplat account.</p>
            <form ref={formRef} onSubmit={(e) => void submit(e)} noValidate>
              <FormError message={formError} />
              <TextField
                label="New password"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                error={errors.password}
                hint={PASSWORD_HINT}
                autoFocus
              />
              <TextField
                label="Confirm new password"
                type="password"
                autoComplete="new-password"
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
                error={errors.confirm}
              />
              <Button type="submit" variant="primary" busy={busy} className="btn-block">
                Set password
              </Button>
            </form>
          </>
        ) : phase === 'done' ? (
          <>
            <p role="status">
              Your password has been set. Any session you still had has been signed out; sign in with the new password.
            </p>
            <p>
              <Link className="btn btn-primary btn-block" to="/login">
                Sign in
              </Link>
            </p>
          </>
        ) : (
          <>
            <p role="alert">
              {phase === 'invalid'
                ? INVALID
                : 'This address has no reset token. Open the whole link you were given, or ask an admin of your organization for a new one.'}
            </p>
            <p>
              <Link to="/login">Sign in</Link>
            </p>
          </>
        )}
      </div>
    </main>
  );
}
