import { act, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TOAST_MS, ToastProvider, useToast } from './Toast';

let api: ReturnType<typeof useToast>;
function Grab() {
  api = useToast();
  return null;
}

function setup() {
  render(
    <ToastProvider>
      <Grab />
    </ToastProvider>,
  );
  return screen.getByRole('status', { name: 'Notifications' });
}

describe('Toast', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is a polite live region that is always in the page', () => {
    const region = setup();
    expect(region).toHaveAttribute('aria-live', 'polite');
    expect(region).toBeEmptyDOMElement();
  });

  it('shows a message and dismisses it by itself', () => {
    const region = setup();
    act(() => api.success('Deal saved'));
    expect(within(region).getByText('Deal saved')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(TOAST_MS.success - 1));
    expect(within(region).getByText('Deal saved')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(1));
    expect(within(region).queryByText('Deal saved')).not.toBeInTheDocument();
  });

  it('keeps errors longer than successes', () => {
    const region = setup();
    act(() => {
      api.error('The deal was changed by someone else');
      api.success('Task added');
    });
    act(() => vi.advanceTimersByTime(TOAST_MS.success));
    expect(within(region).queryByText('Task added')).not.toBeInTheDocument();
    expect(within(region).getByText('The deal was changed by someone else')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(TOAST_MS.error - TOAST_MS.success));
    expect(region).toBeEmptyDOMElement();
  });

  it('can be dismissed at once with its labelled close button', () => {
    const region = setup();
    act(() => api.show('Export started'));
    act(() => within(region).getByRole('button', { name: 'Dismiss notification' }).click());
    expect(within(region).queryByText('Export started')).not.toBeInTheDocument();
  });
});
