// Small pieces the document screens share.
import { permissionLabel } from '../../lib/enums';
import { formatDateTime, formatRelative } from '../../lib/format';
import type { PermissionLevel } from '../../lib/types';

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
