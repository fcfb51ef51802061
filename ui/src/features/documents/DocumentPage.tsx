import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { PageHeader } from '../../components/PageHeader';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { FormError, SelectField, TextArea, TextField } from '../../components/Field';
import { Icon } from '../../components/Icon';
import { Skeleton } from '../../components/Skeleton';
import { ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { ApiError, errorMessage } from '../../lib/api';
import { levelAtLeast } from '../../lib/enums';
import type { DocumentItem } from '../../lib/types';
import { useArchiveDocument, useDealOptions, useDeleteDocument, useDocument, useRecordView, useUpdateDocument } from './api';
import type { DocumentInput, LoadedDocument } from './api';
import { DocumentFiles } from './DocumentFiles';
import { DocumentTimeline } from './DocumentTimeline';
import { PermissionsDialog } from './PermissionsDialog';
import { AccessBadge, RelativeTime } from './parts';

/** A GET that the server refused as unknown or not shared with the caller. */
const isNotFound = (err: unknown): boolean => err instanceof ApiError && (err.status === 404 || err.status === 403);

export default function DocumentPage() {
  const { id = '' } = useParams();
  const q = useDocument(id);
  useRecordView(id, q.isSuccess);

  if (q.isPending) {
    return (
      <section aria-busy="true">
        <BackLink />
        <PageHeader title="Document" />
        <div className="card">
          <Skeleton lines={8} label="Loading the document" />
        </div>
      </section>
    );
  }
  if (q.isError) {
    if (isNotFound(q.error)) {
      return (
        <section className="not-found">
          <BackLink />
          <PageHeader title="Document not found" />
          <p>
            There is no document at this address that you can open. It may have been deleted, or it has not
            been shared with you — ask its owner for access.
          </p>
          <p>
            <Link to="/documents">Go to your documents</Link>
          </p>
        </section>
      );
    }
    return (
      <section>
        <BackLink />
        <PageHeader title="Document" />
        <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The document could not be loaded" />
      </section>
    );
  }
  return <DocumentView key={id} loaded={q.data} onReload={() => void q.refetch()} />;
}

function BackLink() {
  return (
    <p className="back-link">
      <Link to="/documents">
        <Icon name="chevronLeft" size={16} /> Documents
      </Link>
    </p>
  );
}

function DocumentView({ loaded, onReload }: { loaded: LoadedDocument; onReload: () => void }) {
  const { doc, etag } = loaded;
  const navigate = useNavigate();
  const toast = useToast();
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [permsOpen, setPermsOpen] = useState(false);
  const archive = useArchiveDocument(doc.id);
  const remove = useDeleteDocument(doc.id);
  const deals = useDealOptions();

  const canEdit = levelAtLeast(doc.permission, 'editor');
  const isOwner = doc.permission === 'owner';
  const deal = doc.deal_id ? deals.data?.find((d) => d.id === doc.deal_id) : undefined;

  const toggleArchive = async () => {
    const archived = !doc.archived;
    try {
      await archive.mutateAsync({ archived, etag });
      toast.success(archived ? 'Document archived.' : 'Document restored from the archive.');
    } catch (err) {
      const stale = err instanceof ApiError && err.status === 412;
      toast.error(
        `The document could not be ${archived ? 'archived' : 'unarchived'}: ` +
          (stale ? 'someone else changed it a moment ago; it has been reloaded, try again.' : errorMessage(err)),
      );
      if (stale) onReload();
    }
  };

  const doDelete = async () => {
    try {
      await remove.mutateAsync();
      toast.success(`“${doc.title}” was deleted.`);
      navigate('/documents', { replace: true });
    } catch (err) {
      toast.error(errorMessage(err));
      throw err;
    }
  };

  return (
    <article className="doc-page">
      <BackLink />
      <PageHeader
        title={doc.title}
        actions={
          editing ? null : (
            <>
              {canEdit ? (
                <Button variant="primary" onClick={() => setEditing(true)}>
                  Edit
                </Button>
              ) : null}
              {canEdit ? (
                <Button disabled={archive.isPending} onClick={() => void toggleArchive()}>
                  {doc.archived ? 'Unarchive' : 'Archive'}
                </Button>
              ) : null}
              {isOwner ? (
                <Button onClick={() => setPermsOpen(true)}>
                  <Icon name="lock" size={16} /> Permissions
                </Button>
              ) : null}
              {isOwner ? (
                <Button variant="danger" onClick={() => setConfirmDelete(true)}>
                  Delete
                </Button>
              ) : null}
            </>
          )
        }
      >
        <span className="doc-meta">
          <span>
            Your access: <AccessBadge level={doc.permission} />
          </span>
          {doc.archived ? <span className="badge badge-amber">Archived</span> : null}
          {doc.deal_id ? (
            <span>
              Deal: <Link to={`/deals/${doc.deal_id}`}>{deal?.name ?? 'Open the deal'}</Link>
            </span>
          ) : null}
          <span>
            Updated <RelativeTime iso={doc.updated_at} />
            {doc.created_by ? ` · created by ${doc.created_by.name}` : ''}
          </span>
        </span>
      </PageHeader>

      {editing ? (
        <EditForm
          doc={doc}
          etag={etag}
          onDone={() => setEditing(false)}
          onReload={onReload}
        />
      ) : (
        <section className="card doc-body-card" aria-label="Document text">
          {doc.body.trim().length > 0 ? (
            // Plain text: React escapes it, CSS keeps its line breaks. Never HTML.
            <div className="doc-body">{doc.body}</div>
          ) : (
            <p className="muted">This document has no text yet.</p>
          )}
        </section>
      )}

      <DocumentFiles doc={doc} />

      <DocumentTimeline documentId={doc.id} />

      {isOwner ? (
        <PermissionsDialog
          documentId={doc.id}
          documentTitle={doc.title}
          open={permsOpen}
          onOpenChange={setPermsOpen}
        />
      ) : null}
      <ConfirmDialog
        open={confirmDelete}
        onOpenChange={setConfirmDelete}
        title="Delete this document?"
        description={
          <p>
            <strong>{doc.title}</strong> will be deleted for everyone who has access to it. This cannot be undone.
          </p>
        }
        confirmLabel="Delete document"
        onConfirm={doDelete}
      />
    </article>
  );
}

const PRECONDITION_MESSAGE =
  'Someone else saved this document while you were editing, so your changes were not saved. ' +
  'Copy anything you want to keep, then load the latest version and make your change again.';

function EditForm({
  doc,
  etag,
  onDone,
  onReload,
}: {
  doc: DocumentItem;
  etag: string;
  onDone: () => void;
  onReload: () => void;
}) {
  const toast = useToast();
  const update = useUpdateDocument(doc.id);
  const deals = useDealOptions();
  const [title, setTitle] = useState(doc.title);
  const [body, setBody] = useState(doc.body);
  const [dealId, setDealId] = useState(doc.deal_id ?? '');
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [stale, setStale] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const patch: Partial<DocumentInput> = {};
    if (title !== doc.title) patch.title = title.trim();
    if (body !== doc.body) patch.body = body;
    if ((dealId || null) !== doc.deal_id) patch.deal_id = dealId || null;
    if (Object.keys(patch).length === 0) {
      onDone();
      return;
    }
    try {
      await update.mutateAsync({ patch, etag });
      toast.success('Document saved.');
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) setStale(true);
      setError(err instanceof Error ? err : new Error(errorMessage(err)));
    }
  };

  const apiErr = error instanceof ApiError ? error : null;
  const fieldNames = ['title', 'body', 'deal_id'];
  const formMessage = stale
    ? PRECONDITION_MESSAGE
    : error && !(apiErr && apiErr.errors.length > 0 && apiErr.errors.every((f) => fieldNames.includes(f.field)))
      ? errorMessage(error)
      : null;

  return (
    <form className="card doc-edit" onSubmit={(e) => void submit(e)} noValidate aria-label="Edit the document">
      <TextField
        label="Title"
        value={title}
        maxLength={200}
        required
        onChange={(e) => setTitle(e.target.value)}
        error={apiErr?.fieldError('title')}
      />
      <TextArea
        label="Text"
        value={body}
        rows={14}
        onChange={(e) => setBody(e.target.value)}
        error={apiErr?.fieldError('body')}
      />
      <SelectField
        label="Deal"
        value={dealId}
        onChange={(e) => setDealId(e.target.value)}
        error={apiErr?.fieldError('deal_id')}
        options={[
          { value: '', label: 'No deal' },
          ...(deals.data ?? []).map((d) => ({ value: d.id, label: d.name })),
          ...(doc.deal_id && deals.data && !deals.data.some((d) => d.id === doc.deal_id)
            ? [{ value: doc.deal_id, label: 'The current deal' }]
            : []),
        ]}
      />
      <FormError message={formMessage} />
      <div className="row-gap">
        <Button type="submit" variant="primary" busy={update.isPending} disabled={stale}>
          Save
        </Button>
        <Button onClick={onDone} disabled={update.isPending}>
          Cancel
        </Button>
        {stale ? (
          <Button
            onClick={() => {
              onReload();
              onDone();
            }}
          >
            Load the latest version
          </Button>
        ) : null}
      </div>
    </form>
  );
}
