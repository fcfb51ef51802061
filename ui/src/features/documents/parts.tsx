// Small pieces the document screens share.
import { permissionLabel } from '../../lib/enums';
import { fileTypeLabel, formatBytes, formatDateTime, formatRelative } from '../../lib/format';
import type { DocumentItem, PermissionLevel } from '../../lib/types';

const BADGE: Record<PermissionLevel, string> = {
  owner: 'badge badge-blue',
  editor: 'badge badge-green',
  viewer: 'badge',
};

/** The caller's level on a document, as a badge that reads on its own ("Owner"). */
export function AccessBadge({ level }: { level: PermissionLevel }) {
  return <span className={BADGE[level]}>{permissionLabel(level)}</span>;
}

/** "3 minutes ago", with the exact time on hover and for machines. */
export function RelativeTime({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}

/** Whether a document has a file: "memo.pdf · v2 · 1.2 MB", or "No file". */
export function FileSummary({ doc }: { doc: Pick<DocumentItem, 'latest_version'> }) {
  const v = doc.latest_version;
  if (!v) return <span className="muted">No file</span>;
  return (
    <span className="file-summary" title={fileTypeLabel(v.content_type)}>
      <span className="file-summary-name">{v.file_name}</span>{' '}
      <span className="muted">
        · version {v.version} · {formatBytes(v.size)}
      </span>
    </span>
  );
}
