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

/**
 * An ApiError from an answer's parts: the problem+json body when there is one, else the
 * status line. Shared by fetch (toApiError) and XMLHttpRequest (file uploads).
 */
export function problemFrom(
  status: number,
  statusText: string,
  header: (name: string) => string | null,
  bodyText: string | null,
): ApiError {
  const retry = header('Retry-After');
  const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : undefined;
  let body: Record<string, unknown> | null = null;
  const type = header('Content-Type') ?? '';
  if (type.includes('json') && bodyText) {
    try {
      const parsed: unknown = JSON.parse(bodyText);
      body = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
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
    status,
    code: str(body?.code) ?? (status >= 500 ? 'internal' : 'http_' + status),
    title: str(body?.title) ?? (statusText || `HTTP ${status}`),
    detail:
      str(body?.detail) ??
      (status === 502 || status === 503 || status === 504 ? 'the server is unavailable right now' : undefined),
    errors,
    correlationId: str(body?.correlation_id) ?? header('X-Correlation-ID') ?? undefined,
    retryAfter,
  });
}

async function toApiError(res: Response): Promise<ApiError> {
  let text: string | null = null;
  if ((res.headers.get('Content-Type') ?? '').includes('json')) {
    try {
      text = await res.text();
    } catch {
      text = null;
    }
  }
  return problemFrom(res.status, res.statusText, (n) => res.headers.get(n), text);
}

/** The error for a request that never got an answer (offline, server gone). */
export function networkError(): ApiError {
  return new ApiError({
    status: 0,
    code: 'network',
    title: 'Network error',
    detail: 'maplat could not be reached; check your connection and try again',
  });
}

/**
 * The Authorization header for a request this module does not send itself (an upload
 * through XMLHttpRequest, a download read as a stream): the token stays in memory here.
 */
export function authHeaders(): Record<string, string> {
  return accessToken ? { Authorization: `Bearer ${accessToken}` } : {};
}

/**
 * After a 401 to such a request: whether a new access token was obtained (then send it
 * again); when not, the session is over and the app signs out, as for api().
 */
export async function refreshAfter401(wwwAuthenticate: string | null, sentToken: boolean): Promise<boolean> {
  const refusal =
    !sentToken || wwwAuthenticate === null || !/^Bearer\b/i.test(wwwAuthenticate) || /\berror=/i.test(wwwAuthenticate);
  if (!refusal) return false;
  const refreshed = refreshHandler ? await refreshHandler() : false;
  if (!refreshed) unauthorizedHandler?.();
  return refreshed;
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
    throw networkError();
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
