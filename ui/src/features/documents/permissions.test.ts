import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api';
import type { Permission, User } from '../../lib/types';
import {
  LAST_OWNER_MESSAGE,
  candidatesOf,
  computePatch,
  draftFrom,
  nameOf,
  ownersIn,
  permissionsErrorMessage,
  rowsOf,
} from './permissions';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';

const user = (id: string, first: string, last: string): User => ({
  id,
  email: `${first.toLowerCase()}@acme.example`,
  first_name: first,
  last_name: last,
  organization_id: 'org',
  role: 'member',
  master_admin: false,
});
const USERS = [user(A, 'Amelia', 'Hart'), user(B, 'Ravi', 'Patel'), user(C, 'Sophie', 'Turner')];
const GRANTS: Permission[] = [
  { user_id: A, level: 'owner', user: { id: A, name: 'Amelia Hart' } },
  { user_id: B, level: 'viewer' },
];

describe('computePatch', () => {
  it('is null when nothing changed', () => {
    expect(computePatch(GRANTS, draftFrom(GRANTS))).toBeNull();
  });

  it('sends a changed level, an added user and a removal as none — and nothing else', () => {
    const draft = { ...draftFrom(GRANTS), [B]: 'editor' as const, [C]: 'viewer' as const };
    expect(computePatch(GRANTS, draft)).toEqual({
      permissions: [
        { user_id: B, level: 'editor' },
        { user_id: C, level: 'viewer' },
      ],
    });
    const removal = { ...draftFrom(GRANTS), [A]: 'none' as const };
    expect(computePatch(GRANTS, removal)).toEqual({ permissions: [{ user_id: A, level: 'none' }] });
  });

  it('forgets a user added and removed again before saving', () => {
    const draft = { ...draftFrom(GRANTS), [C]: 'none' as const };
    expect(computePatch(GRANTS, draft)).toBeNull();
  });

  it('turns back to the original level as no change', () => {
    const draft = { ...draftFrom(GRANTS), [B]: 'viewer' as const };
    expect(computePatch(GRANTS, draft)).toBeNull();
  });
});

describe('rows, names and candidates', () => {
  it('names users from the grant, else from the user list, else by a short id', () => {
    expect(nameOf(A, GRANTS, [])).toBe('Amelia Hart');
    expect(nameOf(B, GRANTS, USERS)).toBe('Ravi Patel');
    expect(nameOf('dddddddd-0000', GRANTS, USERS)).toBe('User dddddddd');
  });

  it('lists owners first and hides removed grants; removed users can be added again', () => {
    const draft = { ...draftFrom(GRANTS), [C]: 'editor' as const, [B]: 'none' as const };
    expect(rowsOf(draft, GRANTS, USERS).map((r) => [r.name, r.level])).toEqual([
      ['Amelia Hart', 'owner'],
      ['Sophie Turner', 'editor'],
    ]);
    expect(candidatesOf(draft, USERS).map((u) => u.id)).toEqual([B]);
  });

  it('counts the owners a draft leaves', () => {
    expect(ownersIn(draftFrom(GRANTS))).toBe(1);
    expect(ownersIn({ ...draftFrom(GRANTS), [A]: 'editor' })).toBe(0);
  });
});

describe('permissionsErrorMessage', () => {
  it('explains the last-owner 409 with the server’s words and what to do', () => {
    const err = new ApiError({ status: 409, code: 'conflict', title: 'Conflict', detail: 'a document must keep at least one owner' });
    const msg = permissionsErrorMessage(err);
    expect(msg).toMatch(/^A document must keep at least one owner\. /);
    expect(msg).toMatch(/Make someone else an owner/);
  });

  it('falls back to its own words when a 409 says nothing useful', () => {
    const err = new ApiError({ status: 409, code: 'conflict', title: 'Conflict' });
    expect(permissionsErrorMessage(err)).toBe(LAST_OWNER_MESSAGE);
  });

  it('lists the field errors of a 422', () => {
    const err = new ApiError({
      status: 422,
      code: 'validation_failed',
      title: 'Unprocessable Entity',
      detail: 'the request is invalid',
      errors: [{ field: 'permissions[0].user_id', message: 'is not a user of this organization' }],
    });
    expect(permissionsErrorMessage(err)).toBe('The request is invalid: is not a user of this organization');
  });
});
