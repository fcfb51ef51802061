import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import type { Prospect } from '../../lib/types';
import { moveFailureMessage } from './api';
import { toColumns } from './board';
import { announcements } from './ProspectsPage';

const acme: Prospect = {
  id: 'x',
  company_name: 'Acme Ltd',
  contact_name: null,
  contact_email: null,
  stage: 'new',
  notes: null,
  archived: false,
  created_by: null,
  created_at: '',
  updated_at: '',
  version: 1,
};

describe('what a drag says', () => {
  const say = announcements(toColumns([acme]));
  const base = { draggableId: 'x', type: 'DEFAULT', source: { droppableId: 'new', index: 0 }, mode: 'SNAP' as const };

  it('names stages, not positions', () => {
    expect(say.start(base)).toContain('picked up Acme Ltd, in New');
    expect(say.update({ ...base, destination: { droppableId: 'qualified', index: 0 }, combine: null })).toBe(
      'Acme Ltd is over Qualified.',
    );
    expect(say.end({ ...base, destination: { droppableId: 'engaged', index: 0 }, combine: null, reason: 'DROP' })).toBe(
      'Acme Ltd moved from New to Engaged.',
    );
    expect(say.end({ ...base, destination: null, combine: null, reason: 'CANCEL' })).toBe(
      'Move canceled. Acme Ltd stays in New.',
    );
  });

  it('says why a move was refused', () => {
    const conflict = new ApiError({ status: 412, code: 'precondition_failed', title: 'Precondition Failed' });
    expect(moveFailureMessage(conflict, 'Acme Ltd')).toBe('Someone else changed Acme Ltd — the board has been refreshed');
    const other = new ApiError({ status: 403, code: 'forbidden', title: 'Forbidden', detail: 'viewers are read-only' });
    expect(moveFailureMessage(other, 'Acme Ltd')).toBe('Acme Ltd could not be moved: Viewers are read-only');
  });
});
