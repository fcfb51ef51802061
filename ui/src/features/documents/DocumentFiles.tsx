import { useEffect, useId, useRef, useState } from 'react';
import type { ChangeEvent, DragEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Button } from '../../components/Button';
import { Icon } from '../../components/Icon';
import { SkeletonRows } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { ApiError, errorMessage } from '../../lib/api';
import { levelAtLeast } from '../../lib/enums';
import { fileTypeLabel, formatBytes, formatDateTime } from '../../lib/format';
import type { DocumentItem, DocumentVersion } from '../../lib/types';
import { documentKeys, useDocumentVersions, useUploadVersion } from './api';
import { downloadVersion, isAbort, percentOf, saveBlob } from './files';
import type { TransferProgress } from './files';
import { RelativeTime } from './parts';

/** The server's words as a sentence: capitalised and ending with a full stop. */
function sentence(message: string): string {
  const s = message.trim();
  if (s.length === 0) return s;
  const first = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/** The problem in words, with the fields it names ("filename must name a file"). */
export function problemWords(err: unknown): string {
  const base = sentence(errorMessage(err));
  if (!(err instanceof ApiError) || err.errors.length === 0) return base;
  const fields = err.errors.map((e) => `${e.field.replace(/_/g, ' ')} ${e.message}`).join('; ');
  return `${base.replace(/\.$/, ':')} ${fields}${/[.!?]$/.test(fields) ? '' : '.'}`;
}

interface Transfer {
  kind: 'upload' | 'download';
  /** what is moving, for the progress bar's name: "memo.pdf", "version 2" */
  label: string;
  progress: TransferProgress;
  controller: AbortController;
}

/** A progress bar with its accessible name, percent (or bytes) in words, and Cancel. */
function TransferBar({ transfer, onCancel }: { transfer: Transfer; onCancel: () => void }) {
  const pct = percentOf(transfer.progress);
  const { loaded, total } = transfer.progress;
  const verb = transfer.kind === 'upload' ? 'Uploading' : 'Downloading';
  const finishing = transfer.kind === 'upload' && pct === 100;
  const name = `${verb} ${transfer.label}`;
  return (
    <div className="transfer" role="group" aria-label={name}>
      <p className="transfer-title">
        {verb} <strong>{transfer.label}</strong>
      </p>
      <div className="transfer-row">
        {pct === null ? (
          <progress aria-label={`${name}: progress`} />
        ) : (
          <progress aria-label={`${name}: progress`} max={100} value={pct} />
        )}
        <span className="transfer-pct">{pct === null ? formatBytes(loaded) : `${pct} %`}</span>
        <Button size="sm" onClick={onCancel}>
          {transfer.kind === 'upload' ? 'Cancel upload' : 'Cancel download'}
        </Button>
      </div>
      <p className="transfer-detail muted">
        {finishing
          ? 'Sent; maplat is checking and storing the file…'
          : total !== null
            ? `${formatBytes(loaded)} of ${formatBytes(total)}`
            : `${formatBytes(loaded)} so far`}
      </p>
    </div>
  );
}

/** A SHA-256 shown short, the full value one click (or Enter) away. */
function Sha({ value }: { value: string }) {
  if (!value) return <span className="muted">—</span>;
  return (
    <details className="sha">
      <summary>
        <code>{value.slice(0, 12)}…</code>
        <span className="visually-hidden"> (show the full SHA-256)</span>
      </summary>
      <code className="sha-full">{value}</code>
    </details>
  );
}

/**
 * The document's file: the latest version with its download, the drop zone and file
 * chooser (editors and owners), the progress of an upload or download with Cancel, and
 * the list of versions, newest first, each downloadable.
 */
export function DocumentFiles({ doc }: { doc: DocumentItem }) {
  const versions = useDocumentVersions(doc.id);
  const upload = useUploadVersion(doc.id);
  const qc = useQueryClient();
  const toast = useToast();
  const inputId = useId();
  const hintId = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [transfer, setTransfer] = useState<Transfer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const transferRef = useRef<Transfer | null>(null);
  transferRef.current = transfer;

  // Leaving the page cancels what is still moving.
  useEffect(() => () => transferRef.current?.controller.abort(), []);

  // A file dropped beside the drop zone would make the browser leave the app to show it.
  useEffect(() => {
    const guard = (e: globalThis.DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', guard);
    window.addEventListener('drop', guard);
    return () => {
      window.removeEventListener('dragover', guard);
      window.removeEventListener('drop', guard);
    };
  }, []);

  const canUpload = levelAtLeast(doc.permission, 'editor');
  const list = versions.data?.items ?? [];
  const total = versions.data?.total ?? 0;
  const latest: DocumentVersion | null = doc.latest_version ?? list[0] ?? null;
  const busy = transfer !== null;

  const startUpload = async (file: File) => {
    if (busy) return;
    setError(null);
    const controller = new AbortController();
    const name = file.name || 'file';
    const t: Transfer = { kind: 'upload', label: name, progress: { loaded: 0, total: file.size }, controller };
    setTransfer(t);
    try {
      const v = await upload.mutateAsync({
        file,
        fileName: name,
        signal: controller.signal,
        onProgress: (progress) => setTransfer((cur) => (cur && cur.controller === controller ? { ...cur, progress } : cur)),
      });
      toast.success(`Version ${v.version} uploaded: ${v.file_name || name} (${formatBytes(v.size)}).`);
    } catch (err) {
      if (isAbort(err)) toast.show(`The upload of ${name} was canceled; nothing was stored.`);
      else setError(`${name} was not uploaded. ${problemWords(err)}`);
    } finally {
      setTransfer((cur) => (cur?.controller === controller ? null : cur));
      if (inputRef.current) inputRef.current.value = '';
    }
  };

  const startDownload = async (version: DocumentVersion | null) => {
    if (busy) return;
    setError(null);
    const controller = new AbortController();
    const label = version ? `version ${version.version}` : 'the latest version';
    setTransfer({ kind: 'download', label, progress: { loaded: 0, total: null }, controller });
    try {
      const got = await downloadVersion(doc.id, version ? version.version : null, {
        signal: controller.signal,
        onProgress: (progress) => setTransfer((cur) => (cur && cur.controller === controller ? { ...cur, progress } : cur)),
      });
      const fileName = got.fileName ?? version?.file_name ?? latest?.file_name ?? 'download';
      saveBlob(got.blob, fileName);
      toast.success(`Downloaded ${fileName} (${formatBytes(got.blob.size)}).`);
    } catch (err) {
      if (isAbort(err)) toast.show('The download was canceled.');
      else setError(`${label.charAt(0).toUpperCase() + label.slice(1)} could not be downloaded. ${problemWords(err)}`);
    } finally {
      setTransfer((cur) => (cur?.controller === controller ? null : cur));
      // the download is in the document's audit trail now
      void qc.invalidateQueries({ queryKey: documentKeys.timeline(doc.id) });
    }
  };

  const onChoose = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) void startUpload(file);
  };

  const onDragOver = (e: DragEvent<HTMLDivElement>) => {
    if (!canUpload || busy || !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    if (!canUpload || busy) return;
    const files = e.dataTransfer.files;
    const file = files[0];
    if (!file) return;
    if (files.length > 1) toast.show(`One file at a time: uploading ${file.name} only.`);
    void startUpload(file);
  };

  let listContent;
  if (versions.isPending) {
    listContent = <SkeletonRows rows={2} columns={4} label="Loading the versions" />;
  } else if (!versions.data) {
    listContent = (
      <ErrorState error={versions.error} onRetry={() => void versions.refetch()} title="The versions could not be loaded" />
    );
  } else if (list.length === 0) {
    listContent = (
      <EmptyState title="No file yet">
        <p>
          {canUpload
            ? 'Upload a file to start its version history: each upload becomes a new version.'
            : 'Nobody has uploaded a file to this document yet.'}
        </p>
      </EmptyState>
    );
  } else {
    listContent = (
      <div className="table-wrap table-cards versions-table" aria-busy={versions.isFetching || undefined}>
        <table>
          <caption className="visually-hidden">Versions of the file, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Type</th>
              <th scope="col">Uploaded by</th>
              <th scope="col">When</th>
              <th scope="col">SHA-256</th>
              <th scope="col">
                <span className="visually-hidden">Download</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.version}>
                <td data-label="Version">{v.version}</td>
                <td data-label="File" className="versions-name">
                  {v.file_name}
                </td>
                <td data-label="Size" className="nowrap">
                  {formatBytes(v.size)}
                </td>
                <td data-label="Type" className="nowrap">
                  <span title={v.content_type}>{fileTypeLabel(v.content_type)}</span>
                </td>
                <td data-label="Uploaded by">{v.uploaded_by?.name ?? '—'}</td>
                <td data-label="When" className="nowrap">
                  <RelativeTime iso={v.uploaded_at} />
                </td>
                <td data-label="SHA-256">
                  <Sha value={v.sha256} />
                </td>
                <td data-label="Download">
                  <Button
                    size="sm"
                    aria-label={`Download version ${v.version}`}
                    disabled={busy}
                    onClick={() => void startDownload(v)}
                  >
                    <Icon name="download" size={16} /> Download
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
    if (total > list.length || versions.hasNextPage) {
      listContent = (
        <>
          {listContent}
          <div className="timeline-more">
            <span className="muted" aria-live="polite">
              {list.length} of {total} versions
            </span>
            {versions.hasNextPage ? (
              <Button size="sm" busy={versions.isFetchingNextPage} onClick={() => void versions.fetchNextPage()}>
                Show older versions
              </Button>
            ) : null}
          </div>
        </>
      );
    }
    if (versions.isError) {
      listContent = (
        <>
          {listContent}
          <p className="form-error" role="alert">
            {problemWords(versions.error)}
          </p>
        </>
      );
    }
  }

  return (
    <section className="card doc-files" aria-labelledby="doc-files-title">
      <div className="doc-files-head">
        <h2 id="doc-files-title">File</h2>
        {latest ? (
          <Button disabled={busy} onClick={() => void startDownload(null)}>
            <Icon name="download" size={16} /> Download latest
          </Button>
        ) : null}
      </div>
      {latest ? (
        <p className="doc-file-latest">
          Latest: <strong>version {latest.version}</strong> — <span className="versions-name">{latest.file_name}</span>,{' '}
          {formatBytes(latest.size)}, {fileTypeLabel(latest.content_type)}
          {latest.uploaded_by ? `, uploaded by ${latest.uploaded_by.name}` : ''}{' '}
          <span className="muted" title={formatDateTime(latest.uploaded_at)}>
            (<RelativeTime iso={latest.uploaded_at} />)
          </span>
        </p>
      ) : null}

      {canUpload ? (
        <div
          className={`drop-zone${dragging ? ' drop-zone-active' : ''}${busy ? ' drop-zone-busy' : ''}`}
          onDragEnter={onDragOver}
          onDragOver={onDragOver}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <input
            ref={inputRef}
            id={inputId}
            type="file"
            className="file-input"
            aria-describedby={hintId}
            disabled={busy}
            onChange={onChoose}
          />
          <label htmlFor={inputId} className="btn btn-primary">
            <Icon name="upload" size={16} /> {latest ? 'Upload new version' : 'Upload a file'}
          </label>
          <span className="drop-zone-text">or drop a file here</span>
          <p id={hintId} className="field-hint">
            PDF, Word, Excel, PowerPoint, CSV, text, images or ZIP. Each upload becomes a new version; earlier
            versions stay available.
          </p>
        </div>
      ) : null}

      {transfer ? <TransferBar transfer={transfer} onCancel={() => transfer.controller.abort()} /> : null}
      {error ? (
        <div className="form-error transfer-error" role="alert">
          <p>{error}</p>
          <Button size="sm" variant="ghost" onClick={() => setError(null)}>
            Dismiss
          </Button>
        </div>
      ) : null}

      <h3 className="versions-title">Versions</h3>
      {listContent}
    </section>
  );
}
