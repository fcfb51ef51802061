import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, apiRequest, buildQuery, errorMessage, setAccessToken, setAuthHandlers } from './api';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}

describe('api', () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    setAccessToken(null);
  });
  afterEach(() => {
    fetchMock.mockReset();
    vi.unstubAllGlobals();
  });

  it('builds query strings the way the server decodes them', () => {
    expect(buildQuery({ q: 'project falcon', stage: '', page: 2, archived: false, x: undefined })).toBe(
      '?q=project+falcon&page=2&archived=false',
    );
    expect(buildQuery({ q: 'a+b&c' })).toBe('?q=a%2Bb%26c');
    expect(buildQuery({})).toBe('');
  });

  it('sends the bearer token from memory and JSON bodies', async () => {
    setAccessToken('tok');
    fetchMock.mockResolvedValueOnce(json(201, { id: '1' }, { ETag: '"v1"' }));
    const res = await apiRequest<{ id: string }>('/deals', { method: 'POST', body: { name: 'x' } });
    expect(res.data.id).toBe('1');
    expect(res.etag).toBe('"v1"');
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/deals');
    const h = init!.headers as Record<string, string>;
    expect(h.Authorization).toBe('Bearer tok');
    expect(h['Content-Type']).toBe('application/json');
    expect(init!.body).toBe('{"name":"x"}');
  });

  it('turns problem+json into an ApiError with field errors', async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, {
        type: 'about:blank',
        title: 'Unprocessable Content',
        status: 422,
        code: 'validation_failed',
        detail: 'the request has invalid fields',
        errors: [{ field: 'name', message: 'must be 1 to 200 characters' }],
        correlation_id: 'c1',
      }),
    );
    const err = await api('/deals', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.code).toBe('validation_failed');
    expect(e.fieldError('name')).toBe('must be 1 to 200 characters');
    expect(e.userMessage).toBe('The request has invalid fields');
    expect(e.correlationId).toBe('c1');
  });

  it('says when to retry a rate-limited request', async () => {
    fetchMock.mockResolvedValueOnce(
      json(429, { title: 'Too Many Requests', status: 429, code: 'rate_limited', detail: 'too many attempts' }, { 'Retry-After': '30' }),
    );
    const e = (await api('/auth/login', { method: 'POST', body: {}, anonymous: true }).catch((x: unknown) => x)) as ApiError;
    expect(e.userMessage).toBe('Too many attempts. Try again in 30 s.');
  });

  it('reports a network failure in words', async () => {
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    const e = await api('/deals').catch((x: unknown) => x);
    expect(errorMessage(e)).toMatch(/could not be reached/);
  });

  it('refreshes once on 401 and retries with the new token', async () => {
    setAccessToken('old');
    const refresh = vi.fn(async () => {
      setAccessToken('new');
      return true;
    });
    const unauthorized = vi.fn();
    setAuthHandlers({ refresh, unauthorized });
    fetchMock
      .mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401, code: 'unauthorized' }))
      .mockResolvedValueOnce(json(200, { ok: true }));
    await expect(api('/deals')).resolves.toEqual({ ok: true });
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(unauthorized).not.toHaveBeenCalled();
    const h = fetchMock.mock.calls[1]![1]!.headers as Record<string, string>;
    expect(h.Authorization).toBe('Bearer new');
  });

  it('signs out when the refresh fails', async () => {
    setAccessToken('old');
    const unauthorized = vi.fn();
    setAuthHandlers({ refresh: async () => false, unauthorized });
    fetchMock.mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401, code: 'unauthorized' }));
    await expect(api('/deals')).rejects.toBeInstanceOf(ApiError);
    expect(unauthorized).toHaveBeenCalledTimes(1);
  });

  it('never retries anonymous requests (login) on 401', async () => {
    const refresh = vi.fn(async () => true);
    setAuthHandlers({ refresh, unauthorized: vi.fn() });
    fetchMock.mockResolvedValueOnce(
      json(401, { title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'invalid email or password' }),
    );
    const e = (await api('/auth/login', { method: 'POST', body: {}, anonymous: true }).catch((x: unknown) => x)) as ApiError;
    expect(e.userMessage).toBe('Invalid email or password');
    expect(refresh).not.toHaveBeenCalled();
  });

  it('does not refresh on a 401 about a credential in the body (wrong current password)', async () => {
    setAccessToken('good');
    const refresh = vi.fn(async () => true);
    const unauthorized = vi.fn();
    setAuthHandlers({ refresh, unauthorized });
    fetchMock.mockResolvedValueOnce(
      json(
        401,
        { title: 'Unauthorized', status: 401, code: 'unauthorized', detail: 'the current password is wrong' },
        { 'WWW-Authenticate': 'Bearer realm="maplat"' },
      ),
    );
    const e = (await api('/auth/password', { method: 'POST', body: {} }).catch((x: unknown) => x)) as ApiError;
    expect(e.userMessage).toBe('The current password is wrong');
    expect(refresh).not.toHaveBeenCalled();
    expect(unauthorized).not.toHaveBeenCalled();
  });

  it('refreshes on a 401 that refuses the token (error="invalid_token")', async () => {
    setAccessToken('revoked');
    const refresh = vi.fn(async () => {
      setAccessToken('new');
      return true;
    });
    setAuthHandlers({ refresh, unauthorized: vi.fn() });
    fetchMock
      .mockResolvedValueOnce(
        json(401, { title: 'Unauthorized', status: 401, code: 'unauthorized' }, {
          'WWW-Authenticate': 'Bearer realm="maplat", error="invalid_token"',
        }),
      )
      .mockResolvedValueOnce(new Response(null, { status: 204 }));
    await expect(api('/auth/password', { method: 'POST', body: {} })).resolves.toBeUndefined();
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it('answers 204 with no data', async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await expect(api('/deals/1', { method: 'DELETE' })).resolves.toBeUndefined();
  });
});
