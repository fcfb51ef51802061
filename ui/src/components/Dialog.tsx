import type { ReactNode } from 'react';
import * as RDialog from '@radix-ui/react-dialog';
import { Icon } from './Icon';

export interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description?: ReactNode;
  children: ReactNode;
  size?: 'sm' | 'md' | 'lg';
}

/** A modal for forms and tools: labelled by its title, focus trapped, Escape closes. */
export function Dialog({ open, onOpenChange, title, description, children, size = 'md' }: DialogProps) {
  return (
    <RDialog.Root open={open} onOpenChange={onOpenChange}>
      <RDialog.Portal>
        <RDialog.Overlay className="dialog-overlay" />
        <RDialog.Content className={`dialog dialog-${size}`} {...(description ? {} : { 'aria-describedby': undefined })}>
          <div className="dialog-head">
            <RDialog.Title className="dialog-title">{title}</RDialog.Title>
            <RDialog.Close className="icon-btn" aria-label="Close">
              <Icon name="close" />
            </RDialog.Close>
          </div>
          {description ? <RDialog.Description className="dialog-description">{description}</RDialog.Description> : null}
          {children}
        </RDialog.Content>
      </RDialog.Portal>
    </RDialog.Root>
  );
}
