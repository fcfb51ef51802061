import { useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { ApiError, errorMessage } from '../../lib/api';
import { PROSPECT_STAGES } from '../../lib/enums';
import type { Prospect, ProspectStage } from '../../lib/types';
import { FormActions, FormError, SelectField, TextArea, TextField } from '../../components/Field';
import type { ProspectInput } from './api';

const FIELDS = ['company_name', 'contact_name', 'contact_email', 'stage', 'notes'] as const;

/** The fields of a prospect; the server checks them and its words appear at each field. */
export function ProspectForm({
  initial,
  submitLabel,
  busy,
  error,
  onSubmit,
  onCancel,
  extraActions,
}: {
  initial?: Prospect | undefined;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (input: ProspectInput) => void;
  onCancel: () => void;
  extraActions?: ReactNode;
}) {
  const [company, setCompany] = useState(initial?.company_name ?? '');
  const [contact, setContact] = useState(initial?.contact_name ?? '');
  const [email, setEmail] = useState(initial?.contact_email ?? '');
  const [stage, setStage] = useState<ProspectStage>(initial?.stage ?? 'new');
  const [notes, setNotes] = useState(initial?.notes ?? '');

  const apiErr = error instanceof ApiError ? error : null;
  const fieldErr = (f: string) => apiErr?.fieldError(f);
  // Anything not tied to a field shown above the buttons.
  const formMessage = error
    ? apiErr && apiErr.errors.length > 0 && apiErr.errors.every((e) => (FIELDS as readonly string[]).includes(e.field))
      ? 'Please correct the fields marked below.'
      : apiErr?.status === 412
        ? 'Someone else changed this prospect meanwhile. Close this dialog to see their version, then try again.'
        : errorMessage(error)
    : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const blankToNull = (s: string) => (s.trim() === '' ? null : s.trim());
    onSubmit({
      company_name: company.trim(),
      contact_name: blankToNull(contact),
      contact_email: blankToNull(email),
      stage,
      notes: blankToNull(notes),
    });
  };

  return (
    <form onSubmit={submit} noValidate>
      <FormError message={formMessage} />
      <TextField label="Company" value={company} onChange={(e) => setCompany(e.target.value)} error={fieldErr('company_name')} autoComplete="organization" />
      <TextField label="Contact name" value={contact} onChange={(e) => setContact(e.target.value)} error={fieldErr('contact_name')} autoComplete="name" />
      <TextField label="Contact email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} error={fieldErr('contact_email')} autoComplete="email" />
      <SelectField label="Stage" value={stage} onChange={(e) => setStage(e.target.value as ProspectStage)} options={PROSPECT_STAGES} error={fieldErr('stage')} />
      <TextArea label="Notes" value={notes} onChange={(e) => setNotes(e.target.value)} error={fieldErr('notes')} />
      <FormActions submitLabel={submitLabel} busy={busy} onCancel={onCancel}>
        {extraActions ? <div className="prospect-form-start">{extraActions}</div> : null}
      </FormActions>
    </form>
  );
}
