import { Button } from '../../components/Button';
import { Skeleton } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { errorMessage } from '../../lib/api';
import { describeAction, formatTotal } from '../../lib/format';
import type { AuditEntry, Uuid } from '../../lib/types';
import { useDocumentTimeline } from './api';
import { RelativeTime } from './parts';

/** "title, body" from an update's details, in words. */
function changedFields(entry: AuditEntry): string | null {
  const fields = entry.details?.fields;
  if (Array.isArray(fields) && fields.length > 0) return fields.map(String).join(', ').replace(/_/g, ' ');
  return null;
}

/** The actions that put a file version in place (the server's name and likely others). */
const UPLOAD_ACTIONS = new Set(['document.version.create', 'document.upload', 'document.file.upload', 'document_version.create']);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** The words for an entry: uploads and downloads with their version, others by their action. */
export function describeEntry(entry: AuditEntry): string {
  const d = entry.details ?? {};
  const version = num(d.version);
  const fileName = str(d.file_name) ?? str(d.filename);
  if (UPLOAD_ACTIONS.has(entry.action)) {
    const what = version !== null ? `uploaded version ${version}` : 'uploaded a new version';
    return fileName ? `${what} (${fileName})` : what;
  }
  if (entry.action === 'document.download') {
    const what = version !== null ? `downloaded version ${version}` : 'downloaded the file';
    const marked = typeof d.watermarked === 'boolean' ? d.watermarked : typeof d.watermark === 'boolean' ? d.watermark : null;
    return marked === true ? `${what} (watermarked)` : what;
  }
  // In the document's own timeline "the document" reads better than "a document".
  return describeAction(entry.action).replace(/ an? document$/, ' the document');
}

/** Details shown after the words: the changed fields of an update (uploads and downloads say theirs). */
function extra(entry: AuditEntry): string | null {
  if (UPLOAD_ACTIONS.has(entry.action) || entry.action === 'document.download') return null;
  return changedFields(entry);
}

/** The document's audit entries, newest first, ten at a time. */
export function DocumentTimeline({ documentId }: { documentId: Uuid }) {
  const q = useDocumentTimeline(documentId);

  let content;
  if (q.isPending) {
    content = <Skeleton lines={4} label="Loading the activity" />;
  } else if (!q.data) {
    content = <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The activity could not be loaded" />;
  } else {
    const entries = q.data.pages.flatMap((p) => p.items);
    const total = q.data.pages[0]?.total ?? entries.length;
    const exact = q.data.pages[0]?.total_exact ?? true;
    content =
      entries.length === 0 ? (
        <EmptyState title="No activity yet" />
      ) : (
        <>
          <ol className="timeline">
            {entries.map((e) => {
              const fields = extra(e);
              return (
                <li key={e.id} className="timeline-item">
                  <span className="timeline-dot" aria-hidden="true" />
                  <div>
                    <p className="timeline-text">
                      <strong>{e.user?.name ?? 'The system'}</strong> {describeEntry(e)}
                      {fields ? <span className="muted"> ({fields})</span> : null}
                    </p>
                    <p className="timeline-time muted">
                      <RelativeTime iso={e.occurred_at} />
                    </p>
                  </div>
                </li>
              );
            })}
          </ol>
          <div className="timeline-more">
            <span className="muted" aria-live="polite">
              {entries.length} of {formatTotal(total, exact)}
            </span>
            {q.hasNextPage ? (
              <Button size="sm" busy={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                Show more
              </Button>
            ) : null}
          </div>
          {q.isError ? (
            <p className="form-error" role="alert">
              {errorMessage(q.error)}
            </p>
          ) : null}
        </>
      );
  }

  return (
    <section className="card doc-timeline" aria-labelledby="doc-timeline-title">
      <h2 id="doc-timeline-title">Activity</h2>
      {content}
    </section>
  );
}
