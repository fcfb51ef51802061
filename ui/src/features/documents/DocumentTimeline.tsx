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

function describe(entry: AuditEntry): string {
  // In the document's own timeline "the document" reads better than "a document".
  return describeAction(entry.action).replace(/ an? document$/, ' the document');
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
              const fields = changedFields(e);
              return (
                <li key={e.id} className="timeline-item">
                  <span className="timeline-dot" aria-hidden="true" />
                  <div>
                    <p className="timeline-text">
                      <strong>{e.user?.name ?? 'The system'}</strong> {describe(e)}
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
