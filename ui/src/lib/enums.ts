// Each enumeration of the API once, with the words people see.
import type { DealStage, OrgRole, PermissionLevel, ProspectStage, TaskStatus } from './types';

export const DEAL_STAGES: readonly { value: DealStage; label: string }[] = [
  { value: 'sourcing', label: 'Sourcing' },
  { value: 'evaluation', label: 'Evaluation' },
  { value: 'due_diligence', label: 'Due diligence' },
  { value: 'negotiation', label: 'Negotiation' },
  { value: 'closing', label: 'Closing' },
  { value: 'won', label: 'Won' },
  { value: 'lost', label: 'Lost' },
];

export const PROSPECT_STAGES: readonly { value: ProspectStage; label: string }[] = [
  { value: 'new', label: 'New' },
  { value: 'contacted', label: 'Contacted' },
  { value: 'qualified', label: 'Qualified' },
  { value: 'engaged', label: 'Engaged' },
  { value: 'converted', label: 'Converted' },
  { value: 'lost', label: 'Lost' },
];

export const TASK_STATUSES: readonly { value: TaskStatus; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'done', label: 'Done' },
];

export const PERMISSION_LEVELS: readonly { value: PermissionLevel; label: string }[] = [
  { value: 'viewer', label: 'Viewer' },
  { value: 'editor', label: 'Editor' },
  { value: 'owner', label: 'Owner' },
];

export const ORG_ROLES: readonly { value: OrgRole; label: string }[] = [
  { value: 'admin', label: 'Admin' },
  { value: 'member', label: 'Member' },
  { value: 'viewer', label: 'Viewer' },
];

function labelOf<T extends string>(list: readonly { value: T; label: string }[], v: T): string {
  return list.find((x) => x.value === v)?.label ?? v;
}

export const dealStageLabel = (s: DealStage): string => labelOf(DEAL_STAGES, s);
export const prospectStageLabel = (s: ProspectStage): string => labelOf(PROSPECT_STAGES, s);
export const taskStatusLabel = (s: TaskStatus): string => labelOf(TASK_STATUSES, s);
export const permissionLabel = (s: PermissionLevel): string => labelOf(PERMISSION_LEVELS, s);
export const roleLabel = (s: OrgRole): string => labelOf(ORG_ROLES, s);

const LEVEL_RANK: Record<PermissionLevel, number> = { viewer: 1, editor: 2, owner: 3 };

/** Whether a caller with `have` may do what needs `need`. */
export function levelAtLeast(have: PermissionLevel, need: PermissionLevel): boolean {
  return LEVEL_RANK[have] >= LEVEL_RANK[need];
}
