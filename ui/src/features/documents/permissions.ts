// The permissions dialog's logic, kept apart from React so it can be tested alone:
// the grants as the server has them, the draft the user edits, the PATCH body that
// turns one into the other (merge semantics: listed users get the level, `none`
// removes, users not listed keep theirs), and the words for the server's refusals.
import { ApiError } from '../../lib/api';
import type { Permission, PermissionLevel, User, Uuid } from '../../lib/types';

export type DraftLevel = PermissionLevel | 'none';

export interface PermissionPatch {
  permissions: { user_id: Uuid; level: DraftLevel }[];
}

/** One row of the dialog: a user and the level they have in the draft. */
export interface GrantRow {
  userId: Uuid;
  name: string;
  level: PermissionLevel;
}

/** user id -> level in the draft; `none` marks a grant to remove. */
export type Draft = Record<Uuid, DraftLevel>;

export function fullName(u: Pick<User, 'first_name' | 'last_name' | 'email'>): string {
  const n = `${u.first_name} ${u.last_name}`.trim();
  return n.length > 0 ? n : u.email;
}

/** A grant's user's name: the grant's own `user`, else the user list, else a short id. */
export function nameOf(userId: Uuid, grants: readonly Permission[], users: readonly User[]): string {
  const g = grants.find((p) => p.user_id === userId);
  if (g?.user?.name) return g.user.name;
  const u = users.find((x) => x.id === userId);
  if (u) return fullName(u);
  return `User ${userId.slice(0, 8)}`;
}

export function draftFrom(grants: readonly Permission[]): Draft {
  const d: Draft = {};
  for (const g of grants) d[g.user_id] = g.level;
  return d;
}

/** The rows to show: every user whose draft level is not `none`, owners first, then by name. */
export function rowsOf(draft: Draft, grants: readonly Permission[], users: readonly User[]): GrantRow[] {
  const rank: Record<PermissionLevel, number> = { owner: 0, editor: 1, viewer: 2 };
  return Object.entries(draft)
    .filter((e): e is [Uuid, PermissionLevel] => e[1] !== 'none')
    .map(([userId, level]) => ({ userId, level, name: nameOf(userId, grants, users) }))
    .sort((a, b) => rank[a.level] - rank[b.level] || a.name.localeCompare(b.name));
}

/** Users of the organization who have no grant in the draft (candidates for "Add"). */
export function candidatesOf(draft: Draft, users: readonly User[]): User[] {
  return users
    .filter((u) => draft[u.id] === undefined || draft[u.id] === 'none')
    .sort((a, b) => fullName(a).localeCompare(fullName(b)));
}

/**
 * The PATCH body that turns the server's grants into the draft: only what changed,
 * removals as `none`; null when nothing changed.
 */
export function computePatch(grants: readonly Permission[], draft: Draft): PermissionPatch | null {
  const before = draftFrom(grants);
  const out: PermissionPatch['permissions'] = [];
  const ids = new Set<Uuid>([...Object.keys(before), ...Object.keys(draft)]);
  for (const id of ids) {
    const was = before[id] ?? 'none';
    const now = draft[id] ?? 'none';
    if (was !== now) out.push({ user_id: id, level: now });
  }
  out.sort((a, b) => a.user_id.localeCompare(b.user_id));
  return out.length > 0 ? { permissions: out } : null;
}

/** How many owners the draft leaves (a document must keep at least one). */
export function ownersIn(draft: Draft): number {
  return Object.values(draft).filter((l) => l === 'owner').length;
}

const LAST_OWNER_HINT = 'Make someone else an owner before you remove or demote the last one.';
export const LAST_OWNER_MESSAGE = `A document must keep at least one owner. ${LAST_OWNER_HINT}`;

/** The words for a failed save, shown in the dialog. */
export function permissionsErrorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 409) {
      // The server's words when they say it (they name the rule), with what to do next.
      const server = err.userMessage.replace(/\.$/, '');
      return /owner/i.test(server) ? `${server}. ${LAST_OWNER_HINT}` : LAST_OWNER_MESSAGE;
    }
    if (err.status === 403) {
      return `${err.userMessage}. Only the document's owners and organization admins can change who has access.`;
    }
    if (err.status === 422 && err.errors.length > 0) {
      return `${err.userMessage}: ${err.errors.map((e) => e.message).join('; ')}`;
    }
    return err.userMessage;
  }
  return err instanceof Error ? err.message : 'The permissions could not be saved.';
}
