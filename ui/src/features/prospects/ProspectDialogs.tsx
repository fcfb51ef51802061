import { useState } from 'react';
import { errorMessage } from '../../lib/api';
import { prospectStageLabel } from '../../lib/enums';
import { formatDateTime } from '../../lib/format';
import type { Prospect } from '../../lib/types';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { useToast } from '../../components/Toast';
import { useCreateProspect, useDeleteProspect, useUpdateProspect } from './api';
import { ProspectForm } from './ProspectForm';

export function NewProspectDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const create = useCreateProspect();
  const toast = useToast();
  const close = (o: boolean) => {
    if (!o) create.reset();
    onOpenChange(o);
  };
  return (
    <Dialog open={open} onOpenChange={close} title="New prospect">
      {open ? (
        <ProspectForm
          submitLabel="Create prospect"
          busy={create.isPending}
          error={create.error}
          onCancel={() => close(false)}
          onSubmit={(input) =>
            create.mutate(input, {
              onSuccess: (p) => {
                toast.success(`${p.company_name} was added to ${prospectStageLabel(p.stage)}.`);
                close(false);
              },
            })
          }
        />
      ) : null}
    </Dialog>
  );
}

/** A card opened: its fields, editable (and deletable) for editors, read-only for viewers. */
export function ProspectDetailsDialog({
  prospect,
  editable,
  onClose,
}: {
  prospect: Prospect | undefined;
  editable: boolean;
  onClose: () => void;
}) {
  const update = useUpdateProspect();
  const del = useDeleteProspect();
  const toast = useToast();
  const [confirming, setConfirming] = useState(false);
  const close = () => {
    update.reset();
    onClose();
  };
  const p = prospect;
  return (
    <>
      <Dialog open={!!p && !confirming} onOpenChange={(o) => (!o ? close() : undefined)} title={p ? p.company_name : 'Prospect'}>
        {p && editable ? (
          <ProspectForm
            key={p.id}
            initial={p}
            submitLabel="Save changes"
            busy={update.isPending}
            error={update.error}
            onCancel={close}
            extraActions={
              <Button variant="danger" onClick={() => setConfirming(true)}>
                Delete
              </Button>
            }
            onSubmit={(input) =>
              update.mutate(
                { card: p, input },
                {
                  onSuccess: (saved) => {
                    toast.success(`${saved.company_name} was saved.`);
                    close();
                  },
                },
              )
            }
          />
        ) : p ? (
          <>
            <dl className="prospect-details">
              <dt>Stage</dt>
              <dd>{prospectStageLabel(p.stage)}</dd>
              <dt>Contact</dt>
              <dd>{p.contact_name ?? '—'}</dd>
              <dt>Email</dt>
              <dd>{p.contact_email ? <a href={`mailto:${p.contact_email}`}>{p.contact_email}</a> : '—'}</dd>
              <dt>Notes</dt>
              <dd className="prospect-notes">{p.notes ?? '—'}</dd>
              <dt>Created</dt>
              <dd>
                {formatDateTime(p.created_at)}
                {p.created_by ? ` by ${p.created_by.name}` : ''}
              </dd>
              <dt>Last changed</dt>
              <dd>{formatDateTime(p.updated_at)}</dd>
            </dl>
            <div className="dialog-actions">
              <Button onClick={close}>Close</Button>
            </div>
          </>
        ) : null}
      </Dialog>
      {p ? (
        <ConfirmDialog
          open={confirming}
          onOpenChange={setConfirming}
          title={`Delete ${p.company_name}?`}
          description="The prospect and its notes are removed for everyone in your organization. This cannot be undone."
          confirmLabel="Delete prospect"
          onConfirm={async () => {
            try {
              await del.mutateAsync(p);
              toast.success(`${p.company_name} was deleted.`);
              close();
            } catch (err) {
              toast.error(`${p.company_name} could not be deleted: ${errorMessage(err)}`);
              throw err;
            }
          }}
        />
      ) : null}
    </>
  );
}
