// The organization's people: the list, adding a person, changing a name, role or status,
// and password-reset links. Role and status changes are optimistic (rolled back with a
// toast saying why when the server refuses, e.g. the last active admin).
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { QueryKey } from '@tanstack/react-query';
import { ApiError, api, errorMessage } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { roleLabel } from '../../lib/enums';
import type { OrgRole, Page, User } from '../../lib/types';
import { useToast } from '../../components/Toast';

/** A user as GET /users lists them. */
export interface Person extends User {
  active: boolean;
  last_login_at?: string | null;
  created_at?: string;
}

export interface NewPerson {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
  role: OrgRole;
}

export interface PersonChange {
  first_name?: string;
  last_name?: string;
  role?: OrgRole;
  active?: boolean;
}

export interface ResetLink {
  token: string;
  expires_at: string;
}

export const TEAM_PAGE_SIZE = 100;

export const teamKeys = {
  all: ['team'] as const,
  lists: () => [...teamKeys.all, 'list'] as const,
  list: (page: number) => [...teamKeys.lists(), { page, pageSize: TEAM_PAGE_SIZE }] as const,
};

/** "Ada Lovelace", or the e-mail address when the person has no name. */
export function personName(p: Pick<User, 'first_name' | 'last_name' | 'email'>): string {
  return `${p.first_name ?? ''} ${p.last_name ?? ''}`.trim() || p.email;
}

/** The link a person opens to set a new password (the token travels only in it). */
export function resetUrl(token: string, origin: string = window.location.origin): string {
  return `${origin}/reset-password?token=${encodeURIComponent(token)}`;
}

export function useTeam(page: number) {
  return useQuery({
    queryKey: teamKeys.list(page),
    queryFn: ({ signal }) =>
      api<Page<Person>>('/users', { query: { page, page_size: TEAM_PAGE_SIZE }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useAddPerson() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: NewPerson) => api<Person>('/users', { method: 'POST', body: input }),
    onSettled: () => qc.invalidateQueries({ queryKey: teamKeys.lists() }),
  });
}

/** The words for a change of a person the server refused. */
export function changeFailureMessage(err: unknown, name: string, change: PersonChange): string {
  const what =
    change.role !== undefined
      ? `${name}'s role could not be changed to ${roleLabel(change.role)}`
      : change.active === false
        ? `${name} could not be deactivated`
        : change.active === true
          ? `${name} could not be reactivated`
          : `${name} could not be updated`;
  if (err instanceof ApiError && err.status === 409) {
    return `${what}: ${name} is the organization's last active admin. Make someone else an admin first.`;
  }
  return `${what}: ${errorMessage(err)}`;
}

/**
 * PATCH /users/{id}, shown at once in every cached page of the list and put back when
 * refused. A change of one's own role ends one's access token (the server bumps the token
 * version), so the session is renewed at once: the user comes back with the new role and
 * admin-only controls go away (and a new name of one's own shows in the top bar).
 */
export function useChangePerson() {
  const qc = useQueryClient();
  const toast = useToast();
  const { user: me, reloadUser } = useAuth();
  return useMutation({
    mutationFn: ({ person, change }: { person: Person; change: PersonChange }) =>
      api<Person>(`/users/${person.id}`, { method: 'PATCH', body: change }),
    onMutate: async ({ person, change }) => {
      await qc.cancelQueries({ queryKey: teamKeys.lists() });
      const snapshot = qc.getQueriesData<Page<Person>>({ queryKey: teamKeys.lists() });
      qc.setQueriesData<Page<Person>>({ queryKey: teamKeys.lists() }, (page) =>
        page ? { ...page, items: page.items.map((p) => (p.id === person.id ? { ...p, ...change } : p)) } : page,
      );
      return { snapshot };
    },
    onError: (err, { person, change }, ctx) => {
      ctx?.snapshot.forEach(([key, data]: [QueryKey, Page<Person> | undefined]) =>
        qc.setQueryData<Page<Person>>(key, data),
      );
      toast.error(changeFailureMessage(err, personName(person), change));
    },
    onSuccess: async (saved, { person }) => {
      qc.setQueriesData<Page<Person>>({ queryKey: teamKeys.lists() }, (page) =>
        page ? { ...page, items: page.items.map((p) => (p.id === saved.id ? { ...p, ...saved } : p)) } : page,
      );
      // one's own change: a new role ends the access token; a new name shows in the top bar
      if (me && person.id === me.id) await reloadUser();
    },
    onSettled: () => qc.invalidateQueries({ queryKey: teamKeys.lists() }),
  });
}

export function useIssueResetLink() {
  return useMutation({
    mutationFn: (person: Person) => api<ResetLink>(`/users/${person.id}/password-reset`, { method: 'POST' }),
  });
}
