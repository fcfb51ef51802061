// The task list's filters live in the URL (?status=&assignee=&deal=&page=), so a
// filtered list can be bookmarked, shared and restored with Back.
import { TASK_STATUSES } from '../../lib/enums';
import type { TaskStatus } from '../../lib/types';

export interface TaskFilters {
  status: TaskStatus | '';
  /** '' anyone, 'me' the signed-in user, else a user's id */
  assignee: string;
  /** '' any deal, else a deal's id */
  deal: string;
  page: number;
}

export const TASK_PAGE_SIZE = 20;
export const ASSIGNED_TO_ME = 'me';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isStatus = (v: string): v is TaskStatus => TASK_STATUSES.some((s) => s.value === v);

/** Reads the filters from a query string; anything malformed counts as "no filter". */
export function parseTaskFilters(params: URLSearchParams): TaskFilters {
  const status = params.get('status') ?? '';
  const assignee = params.get('assignee') ?? '';
  const deal = params.get('deal') ?? '';
  const pageRaw = params.get('page') ?? '';
  const page = /^[1-9]\d{0,5}$/.test(pageRaw) ? Number(pageRaw) : 1;
  return {
    status: isStatus(status) ? status : '',
    assignee: assignee === ASSIGNED_TO_ME || UUID.test(assignee) ? assignee : '',
    deal: UUID.test(deal) ? deal : '',
    page,
  };
}

/** The query string for filters (defaults left out, in a stable order). */
export function taskFiltersToParams(f: TaskFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.assignee) p.set('assignee', f.assignee);
  if (f.deal) p.set('deal', f.deal);
  if (f.page > 1) p.set('page', String(f.page));
  return p;
}

/** One filter changed: back to the first page (the old page may not exist any more). */
export function withTaskFilter<K extends 'status' | 'assignee' | 'deal'>(
  f: TaskFilters,
  key: K,
  value: TaskFilters[K],
): TaskFilters {
  return { ...f, [key]: value, page: 1 };
}

export function hasTaskFilters(f: TaskFilters): boolean {
  return f.status !== '' || f.assignee !== '' || f.deal !== '';
}

/** What GET /tasks is asked for these filters. */
export function taskApiQuery(f: TaskFilters, meId: string): Record<string, string | number> {
  const q: Record<string, string | number> = { page: f.page, page_size: TASK_PAGE_SIZE };
  if (f.status) q.status = f.status;
  if (f.assignee) q.assignee_id = f.assignee === ASSIGNED_TO_ME ? meId : f.assignee;
  if (f.deal) q.deal_id = f.deal;
  return q;
}

/** Today as YYYY-MM-DD in the viewer's own time zone. */
export function localToday(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Past its due date and not done. */
export function isOverdue(task: { due_date: string | null; status: TaskStatus }, today: string): boolean {
  return task.due_date !== null && task.status !== 'done' && task.due_date < today;
}
