import { useState } from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { ConfirmDialog } from './ConfirmDialog';

function Harness({ onConfirm }: { onConfirm: () => void | Promise<void> }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Delete deal
      </button>
      <ConfirmDialog
        open={open}
        onOpenChange={setOpen}
        title="Delete Project Falcon?"
        description="The deal and its tasks are removed for everyone."
        confirmLabel="Delete deal"
        onConfirm={onConfirm}
      />
    </>
  );
}

async function openDialog(onConfirm: () => void | Promise<void> = vi.fn()) {
  const user = userEvent.setup();
  render(<Harness onConfirm={onConfirm} />);
  await user.click(screen.getByRole('button', { name: 'Delete deal' }));
  const dialog = await screen.findByRole('alertdialog', { name: 'Delete Project Falcon?' });
  return { user, dialog };
}

describe('ConfirmDialog', () => {
  it('is an alertdialog named by its title and described by its text', async () => {
    const { dialog } = await openDialog();
    expect(dialog).toHaveAccessibleDescription('The deal and its tasks are removed for everyone.');
  });

  it('starts with focus on the confirm button, which is red and named after the action', async () => {
    const { dialog } = await openDialog();
    const confirm = screen.getAllByRole('button', { name: 'Delete deal' }).find((b) => dialog.contains(b));
    expect(confirm).toBeDefined();
    await waitFor(() => expect(confirm).toHaveFocus());
    expect(confirm).toHaveClass('btn-danger');
  });

  it('Escape cancels without confirming and returns focus to the opener', async () => {
    const onConfirm = vi.fn();
    const { user } = await openDialog(onConfirm);
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(onConfirm).not.toHaveBeenCalled();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Delete deal' })).toHaveFocus());
  });

  it('Cancel closes without confirming', async () => {
    const onConfirm = vi.fn();
    const { user } = await openDialog(onConfirm);
    await user.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('Enter confirms once and closes', async () => {
    const onConfirm = vi.fn();
    const { user } = await openDialog(onConfirm);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });

  it('stays open and busy while the action runs', async () => {
    let finish: () => void = () => undefined;
    const onConfirm = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { user, dialog } = await openDialog(onConfirm);
    const confirm = screen.getAllByRole('button', { name: 'Delete deal' }).find((b) => dialog.contains(b))!;
    await user.click(confirm);
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    expect(confirm).toHaveAttribute('aria-busy', 'true');
    expect(confirm).toBeDisabled();
    await user.keyboard('{Escape}');
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    finish();
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
