// Numbers, money and times as people read them (en-GB, times in the viewer's zone).

const moneyCache = new Map<string, Intl.NumberFormat>();

export function formatMoney(value: number, currency = 'GBP', compact = false): string {
  const key = `${currency}:${compact}`;
  let f = moneyCache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-GB', {
        style: 'currency',
        currency,
        notation: compact ? 'compact' : 'standard',
        minimumFractionDigits: 0,
        maximumFractionDigits: compact ? 1 : 2,
      });
    } catch {
      f = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
    }
    moneyCache.set(key, f);
  }
  return f.format(value);
}

const countFormat = new Intl.NumberFormat('en-GB');
export const formatCount = (n: number): string => countFormat.format(n);

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? iso : dateFormat.format(d);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

const rtf = new Intl.RelativeTimeFormat('en-GB', { numeric: 'auto' });

/** "3 minutes ago", "yesterday" — for activity feeds; exact time goes in a title. */
export function formatRelative(iso: string, now: Date = new Date()): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now.getTime()) / 1000);
  const abs = Math.abs(s);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  return formatDate(iso);
}

export function formatRatio(v: number | null | undefined, percent = false): string {
  if (v === null || v === undefined) return '—';
  return percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(2);
}

/** "deal.archive" -> "archived a deal"; unknown actions read as they are. */
export function describeAction(action: string): string {
  const [resource, ...rest] = action.split('.');
  const verb = rest.join('.');
  const noun = (resource ?? '').replace(/_/g, ' ');
  const verbs: Record<string, string> = {
    create: 'created',
    update: 'updated',
    delete: 'deleted',
    archive: 'archived',
    unarchive: 'unarchived',
    view: 'viewed',
    download: 'downloaded',
    pin: 'pinned',
    unpin: 'unpinned',
    'permissions.update': 'changed permissions of',
    'member.remove': 'removed a member of',
    login: 'signed in',
    login_failed: 'failed to sign in',
    logout: 'signed out',
  };
  const v = verbs[verb];
  if (!v) return action;
  if (resource === 'auth') return v;
  const article = /^[aeiou]/.test(noun) ? 'an' : 'a';
  return `${v} ${article} ${noun}`;
}
