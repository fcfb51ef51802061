import { useState } from 'react';
import type { FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { Dialog } from '../../components/Dialog';
import { FormActions, FormError, SelectField, TextArea, TextField } from '../../components/Field';
import { useToast } from '../../components/Toast';
import { ApiError, errorMessage } from '../../lib/api';
import { useCreateDocument, useDealOptions } from './api';

const FIELDS = ['title', 'body', 'deal_id'];

/** "New document": title, text and an optional deal; the creator becomes its owner. */
export function NewDocumentDialog({
  open,
  onOpenChange,
  defaultDealId,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  defaultDealId?: string | null;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="New document" size="md">
      {open ? <NewDocumentForm onClose={() => onOpenChange(false)} defaultDealId={defaultDealId ?? ''} /> : null}
    </Dialog>
  );
}

function NewDocumentForm({ onClose, defaultDealId }: { onClose: () => void; defaultDealId: string }) {
  const navigate = useNavigate();
  const toast = useToast();
  const create = useCreateDocument();
  const deals = useDealOptions();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [dealId, setDealId] = useState(defaultDealId);
  const [error, setError] = useState<unknown>(null);
  const [titleMissing, setTitleMissing] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (!title.trim()) {
      setTitleMissing(true);
      return;
    }
    setTitleMissing(false);
    try {
      const doc = await create.mutateAsync({ title: title.trim(), body, deal_id: dealId || null });
      toast.success(`“${doc.title}” was created.`);
      onClose();
      navigate(`/documents/${doc.id}`);
    } catch (err) {
      setError(err);
    }
  };

  const apiErr = error instanceof ApiError ? error : null;
  const onlyFieldErrors = apiErr !== null && apiErr.errors.length > 0 && apiErr.errors.every((f) => FIELDS.includes(f.field));

  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <TextField
        label="Title"
        value={title}
        maxLength={200}
        required
        autoFocus
        onChange={(e) => setTitle(e.target.value)}
        error={titleMissing ? 'Enter a title.' : apiErr?.fieldError('title')}
      />
      <TextArea label="Text" value={body} rows={8} onChange={(e) => setBody(e.target.value)} error={apiErr?.fieldError('body')} />
      <SelectField
        label="Deal"
        value={dealId}
        onChange={(e) => setDealId(e.target.value)}
        error={apiErr?.fieldError('deal_id')}
        hint={deals.isError ? 'The deals could not be loaded; the document can be created without one.' : undefined}
        options={[{ value: '', label: 'No deal' }, ...(deals.data ?? []).map((d) => ({ value: d.id, label: d.name }))]}
      />
      <FormError message={error && !onlyFieldErrors ? errorMessage(error) : null} />
      <FormActions submitLabel="Create document" busy={create.isPending} onCancel={onClose} />
    </form>
  );
}
