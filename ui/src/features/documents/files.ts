// A document's file: upload (XMLHttpRequest, for its upload progress), download (fetch,
// read as a stream to count the bytes) and saving the bytes under their name.
//
// Both carry the access token from lib/api's memory in an Authorization header: a plain
// link or form could not (the token is never in a cookie or in storage), so a download is
// fetched, held as a Blob and handed to the browser through a temporary object URL.
import { API_BASE, authHeaders, buildQuery, hasAccessToken, networkError, problemFrom, refreshAfter401 } from '../../lib/api';
import type { DocumentVersion, Uuid } from '../../lib/types';

/** Bytes moved so far; `total` null when the size is not known in advance. */
export interface TransferProgress {
  loaded: number;
  total: number | null;
}

export interface TransferOptions {
  onProgress?: (p: TransferProgress) => void;
  signal?: AbortSignal;
}

/** The error a canceled transfer rejects with (errorMessage() reads it as "canceled"). */
export function abortError(message = 'The transfer was canceled.'): Error {
  const err = new Error(message);
  err.name = 'AbortError';
  return err;
}

export const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';

/** Percent done, 0–100, or null when the total is unknown. */
export function percentOf(p: TransferProgress): number | null {
  if (p.total === null || p.total <= 0) return p.total === 0 ? 100 : null;
  return Math.min(100, Math.floor((p.loaded / p.total) * 100));
}

interface XhrAnswer {
  status: number;
  statusText: string;
  header: (name: string) => string | null;
  text: string;
}

function postOnce(url: string, file: Blob, opts: TransferOptions): Promise<XhrAnswer> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(abortError('The upload was canceled.'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbortSignal = () => xhr.abort();
    const done = () => opts.signal?.removeEventListener('abort', onAbortSignal);
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    // The raw bytes; the server tells the type from them, not from this header.
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e: ProgressEvent) => {
      opts.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    };
    xhr.onload = () => {
      done();
      resolve({
        status: xhr.status,
        statusText: xhr.statusText,
        header: (n) => xhr.getResponseHeader(n),
        text: xhr.responseText,
      });
    };
    xhr.onerror = () => {
      done();
      reject(networkError());
    };
    xhr.onabort = () => {
      done();
      reject(abortError('The upload was canceled.'));
    };
    opts.signal?.addEventListener('abort', onAbortSignal, { once: true });
    opts.onProgress?.({ loaded: 0, total: file.size });
    xhr.send(file);
  });
}

/**
 * Uploads a file as the document's next version: POST /documents/{id}/versions?filename=…
 * with the raw bytes as the body. Resolves with the new version; rejects with an ApiError
 * carrying the server's problem (413 too large, 415 type not accepted, 507 quota, 403 …),
 * or with an AbortError when `signal` aborts (the request is aborted, xhr.abort()).
 */
export async function uploadVersion(
  documentId: Uuid,
  file: Blob,
  fileName: string,
  opts: TransferOptions = {},
): Promise<DocumentVersion> {
  const url = `${API_BASE}/documents/${encodeURIComponent(documentId)}/versions${buildQuery({ filename: fileName })}`;
  const sent = hasAccessToken();
  let answer = await postOnce(url, file, opts);
  if (answer.status === 401 && (await refreshAfter401(answer.header('WWW-Authenticate'), sent))) {
    answer = await postOnce(url, file, opts);
  }
  if (answer.status >= 200 && answer.status < 300) {
    return JSON.parse(answer.text) as DocumentVersion;
  }
  throw problemFrom(answer.status, answer.statusText, answer.header, answer.text);
}

/** The address of a version's bytes (null: the latest). */
export function filePath(documentId: Uuid, version: number | null): string {
  const doc = `${API_BASE}/documents/${encodeURIComponent(documentId)}`;
  return version === null ? `${doc}/file` : `${doc}/versions/${version}/file`;
}

/**
 * The file name of a Content-Disposition header: RFC 6266's `filename*=UTF-8''…` when
 * present, else `filename="…"`; null when there is none. Path parts are never kept.
 */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  let name: string | null = null;
  const star = /filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star?.[1]) {
    const m = /^([\w!#$%&+^`{}~-]+)'[^']*'(.*)$/.exec(star[1].trim().replace(/^"|"$/g, ''));
    if (m?.[2] !== undefined) {
      try {
        name = decodeURIComponent(m[2]);
      } catch {
        name = null;
      }
    }
  }
  if (name === null) {
    const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
    const bare = /filename\s*=\s*([^";]+)/i.exec(header);
    if (quoted?.[1] !== undefined) name = quoted[1].replace(/\\(.)/g, '$1');
    else if (bare?.[1] !== undefined) name = bare[1].trim();
  }
  if (name === null) return null;
  name = name.split(/[/\\]/).pop() ?? '';
  return name.length > 0 ? name : null;
}

export interface DownloadedFile {
  blob: Blob;
  fileName: string | null;
}

/**
 * Fetches a version's bytes (null: the latest) with the access token, reading the body as
 * a stream so that progress can be reported (the total from Content-Length when the
 * answer is not content-encoded; null otherwise). Rejects with the server's problem.
 */
export async function downloadVersion(
  documentId: Uuid,
  version: number | null,
  opts: TransferOptions = {},
): Promise<DownloadedFile> {
  const url = filePath(documentId, version);
  const get = async (): Promise<Response> => {
    const init: RequestInit = { headers: authHeaders(), credentials: 'same-origin', cache: 'no-store' };
    if (opts.signal) init.signal = opts.signal;
    try {
      return await fetch(url, init);
    } catch (err) {
      if (isAbort(err)) throw abortError('The download was canceled.');
      throw networkError();
    }
  };
  const sent = hasAccessToken();
  let res = await get();
  if (res.status === 401 && (await refreshAfter401(res.headers.get('WWW-Authenticate'), sent))) {
    res = await get();
  }
  if (!res.ok) {
    let text: string | null = null;
    try {
      text = await res.text();
    } catch {
      text = null;
    }
    throw problemFrom(res.status, res.statusText, (n) => res.headers.get(n), text);
  }
  const length = res.headers.get('Content-Length');
  const total = length !== null && /^\d+$/.test(length) && !res.headers.get('Content-Encoding') ? Number(length) : null;
  const type = res.headers.get('Content-Type') ?? 'application/octet-stream';
  const fileName = fileNameFromDisposition(res.headers.get('Content-Disposition'));
  opts.onProgress?.({ loaded: 0, total });
  if (!res.body) {
    const blob = await res.blob();
    opts.onProgress?.({ loaded: blob.size, total });
    return { blob, fileName };
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.byteLength;
      opts.onProgress?.({ loaded, total });
    }
  } catch (err) {
    if (isAbort(err) || opts.signal?.aborted) throw abortError('The download was canceled.');
    throw networkError();
  }
  return { blob: new Blob(chunks, { type }), fileName };
}

/** How long an object URL is kept after its download began (the browser reads it first). */
export const REVOKE_AFTER_MS = 40_000;

/**
 * Hands bytes to the browser as a download named `fileName`: a temporary object URL and
 * a temporary <a download>, clicked, removed; the URL is revoked once the browser has
 * had time to read it.
 */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
  }
}
