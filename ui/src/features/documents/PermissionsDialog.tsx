import { useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { Dialog } from '../../components/Dialog';
import { Button } from '../../components/Button';
import { SelectField } from '../../components/Field';
import { Skeleton } from '../../components/Skeleton';
import { ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { useUser } from '../../lib/auth';
import { PERMISSION_LEVELS } from '../../lib/enums';
import type { PermissionLevel, Uuid } from '../../lib/types';
import { useOrgUsers, usePermissions, useUpdatePermissions } from './api';
import {
  candidatesOf,
  computePatch,
  draftFrom,
  fullName,
  ownersIn,
  permissionsErrorMessage,
  rowsOf,
} from './permissions';
import type { Draft } from './permissions';

export interface PermissionsDialogProps {
  documentId: Uuid;
  documentTitle: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

/**
 * Who may open a document and at which level. Edits are a draft until "Save changes",
 * which sends only what changed (PATCH merge semantics; a removal is `none`). The
 * server's refusals (409 for the last owner, 403, 422) are shown in the dialog.
 */
export function PermissionsDialog({ documentId, documentTitle, open, onOpenChange }: PermissionsDialogProps) {
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      title="Permissions"
      size="md"
      description={
        <>
          Who can open <strong>{documentTitle}</strong>. Viewers read it, editors also change it,
          owners also delete it and decide who has access.
        </>
      }
    >
      {open ? <PermissionsEditor documentId={documentId} onClose={() => onOpenChange(false)} /> : null}
    </Dialog>
  );
}

function PermissionsEditor({ documentId, onClose }: { documentId: Uuid; onClose: () => void }) {
  const me = useUser();
  const toast = useToast();
  const grantsQ = usePermissions(documentId);
  const usersQ = useOrgUsers();
  const save = useUpdatePermissions(documentId);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [addUser, setAddUser] = useState('');
  const [addLevel, setAddLevel] = useState<PermissionLevel>('viewer');

  const grants = useMemo(() => grantsQ.data ?? [], [grantsQ.data]);
  const users = useMemo(() => usersQ.data ?? [], [usersQ.data]);

  // The draft starts from the server's grants once they are there.
  useEffect(() => {
    if (draft === null && grantsQ.data) setDraft(draftFrom(grantsQ.data));
  }, [draft, grantsQ.data]);

  if (grantsQ.isPending || (draft === null && !grantsQ.isError)) {
    return <Skeleton lines={4} label="Loading the permissions" />;
  }
  if (grantsQ.isError) {
    return <ErrorState error={grantsQ.error} onRetry={() => void grantsQ.refetch()} title="The permissions could not be loaded" />;
  }
  if (draft === null) return null;

  const rows = rowsOf(draft, grants, users);
  const candidates = candidatesOf(draft, users);
  const patch = computePatch(grants, draft);
  const changes = patch?.permissions.length ?? 0;

  const edit = (userId: Uuid, level: Draft[string]) => {
    setError(null);
    setDraft((d) => ({ ...(d ?? {}), [userId]: level }));
  };

  const add = (e: FormEvent) => {
    e.preventDefault();
    if (!addUser) return;
    edit(addUser, addLevel);
    setAddUser('');
    setAddLevel('viewer');
  };

  const submit = async () => {
    if (!patch) return;
    setError(null);
    try {
      const answer = await save.mutateAsync(patch);
      setDraft(draftFrom(answer.permissions));
      toast.success('Permissions saved.');
    } catch (err) {
      setError(permissionsErrorMessage(err));
    }
  };

  return (
    <div className="perm-editor">
      {usersQ.isError ? (
        <p className="notice">
          The list of users could not be loaded, so no one can be added right now.{' '}
          <Button size="sm" onClick={() => void usersQ.refetch()}>
            Retry
          </Button>
        </p>
      ) : null}
      {rows.length === 0 ? (
        <p className="muted">Nobody has a grant on this document.</p>
      ) : (
        <ul className="perm-list" aria-label="People with access">
          {rows.map((row) => {
            const you = row.userId === me.id;
            return (
              <li key={row.userId} className="perm-row">
                <span className="perm-name">
                  {row.name}
                  {you ? <span className="muted"> (you)</span> : null}
                </span>
                <select
                  aria-label={`Access for ${row.name}`}
                  value={row.level}
                  onChange={(e) => edit(row.userId, e.target.value as PermissionLevel)}
                >
                  {PERMISSION_LEVELS.map((l) => (
                    <option key={l.value} value={l.value}>
                      {l.label}
                    </option>
                  ))}
                </select>
                <Button size="sm" variant="ghost" aria-label={`Remove ${row.name}`} onClick={() => edit(row.userId, 'none')}>
                  Remove
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      {ownersIn(draft) === 0 && rows.length > 0 ? (
        <p className="field-hint">Nobody is an owner in these changes; the server will refuse them.</p>
      ) : null}

      <form className="perm-add" onSubmit={add} aria-label="Add a person">
        <SelectField
          label="User"
          value={addUser}
          onChange={(e) => setAddUser(e.target.value)}
          disabled={usersQ.isPending || candidates.length === 0}
          options={[
            {
              value: '',
              label: usersQ.isPending
                ? 'Loading users…'
                : candidates.length === 0
                  ? 'Everyone has access'
                  : 'Choose a user…',
            },
            ...candidates.map((u) => ({ value: u.id, label: `${fullName(u)} (${u.email})` })),
          ]}
        />
        <SelectField
          label="Level"
          value={addLevel}
          onChange={(e) => setAddLevel(e.target.value as PermissionLevel)}
          options={PERMISSION_LEVELS}
        />
        <Button type="submit" disabled={!addUser}>
          Add
        </Button>
      </form>

      {/* always in the page, so the message is announced when it appears */}
      <div role="alert" className="perm-error">
        {error ? <p className="form-error">{error}</p> : null}
      </div>

      <div className="dialog-actions">
        <span className="muted perm-pending" aria-live="polite">
          {changes > 0 ? `${changes} unsaved ${changes === 1 ? 'change' : 'changes'}` : ''}
        </span>
        <Button onClick={onClose}>Close</Button>
        <Button
          variant="secondary"
          disabled={changes === 0 || save.isPending}
          onClick={() => {
            setError(null);
            setDraft(draftFrom(grants));
          }}
        >
          Undo changes
        </Button>
        <Button variant="primary" busy={save.isPending} disabled={changes === 0} onClick={() => void submit()}>
          Save changes
        </Button>
      </div>
    </div>
  );
}
