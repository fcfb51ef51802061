import { useRef, useState } from 'react';
import type { ReactNode } from 'react';
import * as AlertDialog from '@radix-ui/react-alert-dialog';
import { Button } from './Button';

export interface ConfirmDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: ReactNode;
  /** Names the action ("Delete 3 deals"); also the confirm button's name. */
  confirmLabel: string;
  cancelLabel?: string;
  destructive?: boolean;
  /** May return a promise: the dialog stays open, busy, until it settles. */
  onConfirm: () => void | Promise<void>;
}

/**
 * Asks before anything that cannot be undone. role="alertdialog", focus trapped and
 * returned to the opener, Escape cancels, Enter confirms (focus starts on the confirm
 * button, which is red and named after the action when destructive).
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  cancelLabel = 'Cancel',
  destructive = true,
  onConfirm,
}: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  // Radix returns focus to an AlertDialog.Trigger; callers open this dialog from their
  // own buttons (often in a menu), so it remembers what had focus and goes back there.
  const opener = useRef<HTMLElement | null>(null);

  const run = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await onConfirm();
      onOpenChange(false);
    } catch {
      // The caller reports the error (toast); the dialog closes so the page shows it.
      onOpenChange(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AlertDialog.Root open={open} onOpenChange={(o) => (!busy ? onOpenChange(o) : undefined)}>
      <AlertDialog.Portal>
        <AlertDialog.Overlay className="dialog-overlay" />
        <AlertDialog.Content
          className="dialog dialog-sm"
          onOpenAutoFocus={(e) => {
            e.preventDefault();
            const active = document.activeElement;
            opener.current = active instanceof HTMLElement && active !== document.body ? active : null;
            confirmRef.current?.focus();
          }}
          onCloseAutoFocus={(e) => {
            if (opener.current?.isConnected) {
              e.preventDefault();
              opener.current.focus();
            }
            opener.current = null;
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
              e.preventDefault();
              void run();
            }
          }}
        >
          <AlertDialog.Title className="dialog-title">{title}</AlertDialog.Title>
          <AlertDialog.Description asChild>
            <div className="dialog-description">{description}</div>
          </AlertDialog.Description>
          <div className="dialog-actions">
            <AlertDialog.Cancel asChild>
              <Button disabled={busy}>{cancelLabel}</Button>
            </AlertDialog.Cancel>
            <Button
              ref={confirmRef}
              variant={destructive ? 'danger' : 'primary'}
              busy={busy}
              onClick={(e) => {
                e.preventDefault();
                void run();
              }}
            >
              {confirmLabel}
            </Button>
          </div>
        </AlertDialog.Content>
      </AlertDialog.Portal>
    </AlertDialog.Root>
  );
}
