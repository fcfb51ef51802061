// Numbers, money and times as people read them (en-GB, times in the viewer's zone).

const moneyCache = new Map<string, Intl.NumberFormat>();

/**
 * Money as people read it. `compact` gives "£137.6m", "£12.5k", "£1.2bn": the suffixes
 * are ours, not Intl's, whose compact notation differs between ICU versions ("M" in
 * Debian 12's Node, "m" in browsers) — the same figure must read the same everywhere.
 */
export function formatMoney(value: number, currency = 'GBP', compact = false): string {
  if (compact) {
    const abs = Math.abs(value);
    const steps: readonly [number, string][] = [
      [1e9, 'bn'],
      [1e6, 'm'],
      [1e3, 'k'],
    ];
    for (const [size, suffix] of steps) {
      if (abs >= size) {
        const scaled = Math.round((value / size) * 10) / 10;
        return `${moneyFormat(currency, 1).format(scaled)}${suffix}`;
      }
    }
  }
  // whole amounts without decimals, others with their pence: £1,200 and £1,200.50
  return moneyFormat(currency, Number.isInteger(value) ? 0 : 2, true).format(value);
}

function moneyFormat(currency: string, maxDecimals: number, fixed = false): Intl.NumberFormat {
  const key = `${currency}:${maxDecimals}:${fixed}`;
  let f = moneyCache.get(key);
  if (!f) {
    try {
      f = new Intl.NumberFormat('en-GB', {
        style: 'currency',
        currency,
        minimumFractionDigits: fixed ? maxDecimals : 0,
        maximumFractionDigits: maxDecimals,
      });
    } catch {
      f = new Intl.NumberFormat('en-GB', { maximumFractionDigits: maxDecimals });
    }
    moneyCache.set(key, f);
  }
  return f;
}

const countFormat = new Intl.NumberFormat('en-GB');
export const formatCount = (n: number): string => countFormat.format(n);
/** A list total as the server gave it: exact, or a bound ("more than 1,000"). */
export const formatTotal = (n: number, exact = true): string =>
  exact ? formatCount(n) : `more than ${formatCount(n)}`;

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

/** A server's field message as a sentence of its own: "must be …" -> "Must be …." */
export function asSentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1) + '.';
}
