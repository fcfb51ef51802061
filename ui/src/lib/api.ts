// The one way the app talks to maplat: same origin, JSON, problem+json errors.
// The access token lives in this module's memory only — never in localStorage or
// sessionStorage. The refresh token is an HttpOnly cookie the browser sends to
// /api/v1/auth by itself; this module never sees it.

export const API_BASE = '/api/v1';

export interface FieldError {
  field: string;
  message: string;
}

/** An error the server (or the network) reported, in words a person can read. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[];
  readonly correlationId: string | undefined;
  readonly retryAfter: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    title: string;
    detail?: string | undefined;
    errors?: FieldError[] | undefined;
    correlationId?: string | undefined;
    retryAfter?: number | undefined;
  }) {
    super(init.detail ?? init.title);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors ?? [];
    this.correlationId = init.correlationId;
    this.retryAfter = init.retryAfter;
  }

  /** The message for a person: the server's detail, else its title. */
  get userMessage(): string {
    const base = this.detail && this.detail.length > 0 ? this.detail : this.title;
    const sentence = base.charAt(0).toUpperCase() + base.slice(1);
    if (this.status === 429 && this.retryAfter !== undefined) {
      return `${sentence}. Try again in ${this.retryAfter} s.`;
    }
    return sentence;
  }

  fieldError(field: string): string | undefined {
    return this.errors.find((e) => e.field === field)?.message;
  }
}

/** Turns anything thrown into words for a toast or an error state. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.userMessage;
  if (err instanceof Error && err.name === 'AbortError') return 'The request was canceled.';
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

let accessToken: string | null = null;
let refreshHandler: (() => Promise<boolean>) | null = null;
let unauthorizedHandler: (() => void) | null = null;

export function setAccessToken(token: string | null): void {
  accessToken = token;
}

export function hasAccessToken(): boolean {
  return accessToken !== null;
}

/** The auth layer registers how to get a new access token and what to do when it can't. */
export function setAuthHandlers(handlers: {
  refresh: () => Promise<boolean>;
  unauthorized: () => void;
}): void {
  refreshHandler = handlers.refresh;
  unauthorizedHandler = handlers.unauthorized;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  ifMatch?: string;
  signal?: AbortSignal;
  /** no bearer token and no refresh-and-retry (login, refresh) */
  anonymous?: boolean;
}

export interface ApiResponse<T> {
  data: T;
  etag: string | null;
  headers: Headers;
}

/** Query strings built the way the server decodes them (URLSearchParams). */
export function buildQuery(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function toApiError(res: Response): Promise<ApiError> {
  const retry = res.headers.get('Retry-After');
  const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : undefined;
  let body: Record<string, unknown> | null = null;
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      body = (await res.json()) as Record<string, unknown>;
    } catch {
      body = null;
    }
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const errors = Array.isArray(body?.errors)
    ? (body?.errors as unknown[]).flatMap((e) => {
        const o = e as Record<string, unknown>;
        return typeof o?.field === 'string' && typeof o?.message === 'string'
          ? [{ field: o.field, message: o.message }]
          : [];
      })
    : [];
  return new ApiError({
    status: res.status,
    code: str(body?.code) ?? (res.status >= 500 ? 'internal' : 'http_' + res.status),
    title: str(body?.title) ?? (res.statusText || `HTTP ${res.status}`),
    detail:
      str(body?.detail) ??
      (res.status === 502 || res.status === 503 || res.status === 504
        ? 'the server is unavailable right now'
        : undefined),
    errors,
    correlationId: str(body?.correlation_id) ?? res.headers.get('X-Correlation-ID') ?? undefined,
    retryAfter,
  });
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (!opts.anonymous && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.ifMatch) headers['If-Match'] = opts.ifMatch;
  const init: RequestInit = {
    method: opts.method ?? 'GET',
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
  };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  if (opts.signal) init.signal = opts.signal;
  try {
    return await fetch(API_BASE + path + buildQuery(opts.query), init);
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    throw new ApiError({
      status: 0,
      code: 'network',
      title: 'Network error',
      detail: 'maplat could not be reached; check your connection and try again',
    });
  }
}

/**
 * Whether a 401 is about the access token (missing, expired, revoked) rather than about a
 * credential in the body: a wrong current password answers 401 with a plain
 * `WWW-Authenticate: Bearer realm="maplat"` although the token was fine, and refreshing
 * and retrying it would only count another failed attempt.
 */
export function isTokenRefusal(res: Response, sentToken: boolean): boolean {
  if (!sentToken) return true;
  const challenge = res.headers.get('WWW-Authenticate');
  return challenge === null || !/^Bearer\b/i.test(challenge) || /\berror=/i.test(challenge);
}

/** A request with its ETag; a 401 refreshes the access token once and retries. */
export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const sentToken = !opts.anonymous && accessToken !== null;
  let res = await send(path, opts);
  if (res.status === 401 && !opts.anonymous && isTokenRefusal(res, sentToken)) {
    const refreshed = refreshHandler ? await refreshHandler() : false;
    if (refreshed) {
      res = await send(path, opts);
    }
    if (res.status === 401 && isTokenRefusal(res, refreshed)) {
      unauthorizedHandler?.();
    }
  }
  if (!res.ok) throw await toApiError(res);
  let data: unknown = undefined;
  if (res.status !== 204 && res.status !== 304) {
    const text = await res.text();
    data = text.length > 0 ? JSON.parse(text) : undefined;
  }
  return { data: data as T, etag: res.headers.get('ETag'), headers: res.headers };
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return (await apiRequest<T>(path, opts)).data;
}
