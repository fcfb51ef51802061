import { useState } from 'react';
import { useUser, isAdmin } from '../../lib/auth';
import { ORG_ROLES, roleLabel } from '../../lib/enums';
import { formatDateTime } from '../../lib/format';
import type { OrgRole } from '../../lib/types';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Icon } from '../../components/Icon';
import { PageHeader } from '../../components/PageHeader';
import { Pagination } from '../../components/Pagination';
import { SkeletonRows } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import type { Person } from './api';
import { TEAM_PAGE_SIZE, personName, useChangePerson, useTeam } from './api';
import { AddPersonDialog, EditNameDialog, ResetLinkDialog } from './PersonDialogs';

const ROLE_BADGE: Record<OrgRole, string> = { admin: 'badge-blue', member: 'badge-green', viewer: '' };

export function RoleBadge({ role }: { role: OrgRole }) {
  return <span className={`badge ${ROLE_BADGE[role]}`}>{roleLabel(role)}</span>;
}

function StatusBadge({ active }: { active: boolean }) {
  return active ? <span className="badge badge-green">Active</span> : <span className="badge badge-red">Inactive</span>;
}

/** The organization's people; admins add people and change their names, roles and status. */
export default function TeamPage() {
  const me = useUser();
  const admin = isAdmin(me);
  const toast = useToast();
  const [page, setPage] = useState(1);
  const team = useTeam(page);
  const change = useChangePerson();

  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Person | null>(null);
  const [resetFor, setResetFor] = useState<Person | null>(null);
  const [deactivating, setDeactivating] = useState<Person | null>(null);
  const [selfRole, setSelfRole] = useState<{ person: Person; role: OrgRole } | null>(null);

  const busyFor = (p: Person) => change.isPending && change.variables?.person.id === p.id;

  const changeRole = (person: Person, role: OrgRole) => {
    if (role === person.role) return;
    change.mutate(
      { person, change: { role } },
      { onSuccess: () => toast.success(`${personName(person)} is now ${role === 'admin' ? 'an' : 'a'} ${roleLabel(role)}.`) },
    );
  };

  const onRoleSelect = (person: Person, role: OrgRole) => {
    // Giving up one's own admin role takes the Team controls away: ask first.
    if (person.id === me.id && person.role === 'admin' && role !== 'admin') {
      setSelfRole({ person, role });
      return;
    }
    changeRole(person, role);
  };

  const reactivate = (person: Person) =>
    change.mutate(
      { person, change: { active: true } },
      { onSuccess: () => toast.success(`${personName(person)} was reactivated and can sign in again.`) },
    );

  const data = team.data;
  const people = data?.items ?? [];

  let body;
  if (team.isPending) {
    body = <SkeletonRows rows={5} columns={admin ? 5 : 4} label="Loading the team" />;
  } else if (team.isError) {
    body = <ErrorState error={team.error} onRetry={() => void team.refetch()} title="The team could not be loaded" />;
  } else if (people.length === 0) {
    body = (
      <EmptyState
        title="Nobody here yet"
        action={
          admin ? (
            <Button variant="primary" onClick={() => setAdding(true)}>
              Add person
            </Button>
          ) : null
        }
      >
        {admin ? 'Add the people of your organization so they can sign in.' : null}
      </EmptyState>
    );
  } else {
    body = (
      <div className="table-wrap table-cards team-table-wrap">
        <table className="team-table">
          <caption className="visually-hidden">People of your organization</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Last login</th>
              {admin ? (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {people.map((p) => {
              const name = personName(p);
              const self = p.id === me.id;
              return (
                <tr key={p.id} className={p.active ? undefined : 'team-inactive'}>
                  <td data-label="Name" className="team-person">
                    <span className="team-name">
                      {name}
                      {self ? <span className="team-you"> (you)</span> : null}
                    </span>
                    <span className="team-email">{p.email}</span>
                  </td>
                  <td data-label="Role">
                    {admin ? (
                      <select
                        aria-label={`Role for ${name}`}
                        value={p.role}
                        disabled={busyFor(p)}
                        onChange={(e) => onRoleSelect(p, e.target.value as OrgRole)}
                      >
                        {ORG_ROLES.map((r) => (
                          <option key={r.value} value={r.value}>
                            {r.label}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <RoleBadge role={p.role} />
                    )}
                  </td>
                  <td data-label="Status">
                    <StatusBadge active={p.active} />
                  </td>
                  <td data-label="Last login">
                    {p.last_login_at ? (
                      <time dateTime={p.last_login_at}>{formatDateTime(p.last_login_at)}</time>
                    ) : (
                      <span className="muted">Never</span>
                    )}
                  </td>
                  {admin ? (
                    <td data-label="Actions" className="team-actions">
                      <Button size="sm" variant="ghost" aria-label={`Edit ${name}`} onClick={() => setEditing(p)}>
                        Edit
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-label={`Reset password for ${name}`}
                        onClick={() => setResetFor(p)}
                      >
                        Reset password
                      </Button>
                      {self ? null : p.active ? (
                        <Button
                          size="sm"
                          variant="ghost"
                          className="team-deactivate"
                          aria-label={`Deactivate ${name}`}
                          disabled={busyFor(p)}
                          onClick={() => setDeactivating(p)}
                        >
                          Deactivate
                        </Button>
                      ) : (
                        <Button
                          size="sm"
                          variant="ghost"
                          aria-label={`Reactivate ${name}`}
                          busy={busyFor(p)}
                          onClick={() => reactivate(p)}
                        >
                          Reactivate
                        </Button>
                      )}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <section className="team-page">
      <PageHeader
        title="Team"
        actions={
          admin ? (
            <Button variant="primary" onClick={() => setAdding(true)}>
              <Icon name="plus" size={16} /> Add person
            </Button>
          ) : null
        }
      >
        {admin
          ? 'The people of your organization. As an admin you add people, set their roles and help them back in when they forget their password.'
          : 'The people of your organization. An admin of your organization adds people and sets their roles.'}
      </PageHeader>
      {body}
      {data && data.total > TEAM_PAGE_SIZE ? (
        <Pagination page={page} pageSize={TEAM_PAGE_SIZE} total={data.total} onPage={setPage} label="Team pages" />
      ) : null}

      {admin ? (
        <>
          <AddPersonDialog open={adding} onOpenChange={setAdding} />
          <EditNameDialog person={editing} onClose={() => setEditing(null)} />
          <ResetLinkDialog person={resetFor} onClose={() => setResetFor(null)} />
          <ConfirmDialog
            open={deactivating !== null}
            onOpenChange={(o) => (o ? undefined : setDeactivating(null))}
            title={deactivating ? `Deactivate ${personName(deactivating)}?` : 'Deactivate'}
            description={
              deactivating ? (
                <>
                  <p>
                    {personName(deactivating)} is signed out at once: every session they have ends now, on every device,
                    and they cannot sign in until an admin reactivates them.
                  </p>
                  <p>Their deals, documents and tasks stay as they are.</p>
                </>
              ) : null
            }
            confirmLabel={deactivating ? `Deactivate ${personName(deactivating)}` : 'Deactivate'}
            onConfirm={async () => {
              if (!deactivating) return;
              const person = deactivating;
              await change.mutateAsync({ person, change: { active: false } });
              toast.success(`${personName(person)} was deactivated and signed out.`);
            }}
          />
          <ConfirmDialog
            open={selfRole !== null}
            onOpenChange={(o) => (o ? undefined : setSelfRole(null))}
            title={selfRole ? `Change your own role to ${roleLabel(selfRole.role)}?` : 'Change your own role'}
            description="You will no longer be an admin: you cannot manage people any more until another admin makes you one again."
            confirmLabel={selfRole ? `Change my role to ${roleLabel(selfRole.role)}` : 'Change my role'}
            onConfirm={async () => {
              if (!selfRole) return;
              const { person, role } = selfRole;
              await change.mutateAsync({ person, change: { role } });
              toast.success(`You are now ${role === 'admin' ? 'an' : 'a'} ${roleLabel(role)}.`);
            }}
          />
        </>
      ) : null}
    </section>
  );
}
