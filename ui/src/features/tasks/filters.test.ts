import { describe, expect, it } from 'vitest';
import {
  hasTaskFilters,
  isOverdue,
  localToday,
  parseTaskFilters,
  taskApiQuery,
  taskFiltersToParams,
  withTaskFilter,
} from './filters';

const DEAL = '30000000-0000-4000-8000-a00000000005';
const USER = '20000000-0000-4000-8000-a00000000001';

describe('task filters in the URL', () => {
  it('reads the filters and ignores malformed values', () => {
    expect(parseTaskFilters(new URLSearchParams(`status=done&assignee=me&deal=${DEAL}&page=3`))).toEqual({
      status: 'done',
      assignee: 'me',
      deal: DEAL,
      page: 3,
    });
    expect(parseTaskFilters(new URLSearchParams('status=closed&assignee=bob&deal=1&page=0'))).toEqual({
      status: '',
      assignee: '',
      deal: '',
      page: 1,
    });
    expect(parseTaskFilters(new URLSearchParams('page=-2')).page).toBe(1);
    expect(parseTaskFilters(new URLSearchParams('page=2.5')).page).toBe(1);
  });

  it('writes only what differs from the defaults and round-trips', () => {
    const f = { status: 'open' as const, assignee: USER, deal: '', page: 2 };
    const params = taskFiltersToParams(f);
    expect(params.toString()).toBe(`status=open&assignee=${USER}&page=2`);
    expect(parseTaskFilters(params)).toEqual(f);
    expect(taskFiltersToParams({ status: '', assignee: '', deal: '', page: 1 }).toString()).toBe('');
  });

  it('goes back to page 1 when a filter changes', () => {
    const f = { status: '' as const, assignee: '', deal: '', page: 4 };
    expect(withTaskFilter(f, 'status', 'in_progress')).toEqual({ ...f, status: 'in_progress', page: 1 });
    expect(hasTaskFilters(f)).toBe(false);
    expect(hasTaskFilters(withTaskFilter(f, 'deal', DEAL))).toBe(true);
  });

  it('asks the API with ids, "Assigned to me" as the signed-in user', () => {
    expect(taskApiQuery({ status: 'done', assignee: 'me', deal: DEAL, page: 2 }, USER)).toEqual({
      page: 2,
      page_size: 20,
      status: 'done',
      assignee_id: USER,
      deal_id: DEAL,
    });
    expect(taskApiQuery({ status: '', assignee: '', deal: '', page: 1 }, USER)).toEqual({ page: 1, page_size: 20 });
  });
});

describe('overdue tasks', () => {
  it('are past their due date and not done', () => {
    const today = '2026-03-10';
    expect(isOverdue({ due_date: '2026-03-09', status: 'open' }, today)).toBe(true);
    expect(isOverdue({ due_date: '2026-03-10', status: 'open' }, today)).toBe(false);
    expect(isOverdue({ due_date: '2026-03-01', status: 'done' }, today)).toBe(false);
    expect(isOverdue({ due_date: null, status: 'in_progress' }, today)).toBe(false);
  });

  it('today is the local calendar date', () => {
    expect(localToday(new Date(2026, 0, 5, 23, 30))).toBe('2026-01-05');
  });
});
