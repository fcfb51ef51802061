// The shapes maplat's API answers (docs/openapi.yaml is the reference).

export type Uuid = string;

export type OrgRole = 'admin' | 'member' | 'viewer';

export interface User {
  id: Uuid;
  email: string;
  first_name: string;
  last_name: string;
  organization_id: Uuid;
  role: OrgRole;
  master_admin: boolean;
  active?: boolean;
  created_at?: string;
}

export interface UserRef {
  id: Uuid;
  name: string;
}

export interface Page<T> {
  items: T[];
  page: number;
  page_size: number;
  total: number;
  /** false: counting stopped at a bound, `total` means "more than total" (docs/api.md) */
  total_exact?: boolean;
  next_cursor?: string | null;
}

export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  user?: User;
}

export type DealStage =
  | 'sourcing'
  | 'evaluation'
  | 'due_diligence'
  | 'negotiation'
  | 'closing'
  | 'won'
  | 'lost';

export interface Deal {
  id: Uuid;
  name: string;
  target_company: string | null;
  stage: DealStage;
  value: number;
  currency: string;
  description: string | null;
  archived: boolean;
  created_by: UserRef | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export type ProspectStage = 'new' | 'contacted' | 'qualified' | 'engaged' | 'converted' | 'lost';

export interface Prospect {
  id: Uuid;
  company_name: string;
  contact_name: string | null;
  contact_email: string | null;
  stage: ProspectStage;
  notes: string | null;
  archived: boolean;
  created_by: UserRef | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export type TaskStatus = 'open' | 'in_progress' | 'done';

export interface Task {
  id: Uuid;
  title: string;
  deal_id: Uuid | null;
  assignee_id: Uuid | null;
  assignee: UserRef | null;
  due_date: string | null;
  status: TaskStatus;
  created_by: UserRef | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export type PermissionLevel = 'viewer' | 'editor' | 'owner';

export interface DocumentItem {
  id: Uuid;
  title: string;
  body: string;
  deal_id: Uuid | null;
  archived: boolean;
  created_by: UserRef | null;
  created_at: string;
  updated_at: string;
  version: number;
  permission: PermissionLevel;
}

export interface Permission {
  user_id: Uuid;
  level: PermissionLevel;
  user?: UserRef | null;
}

export interface Ratios {
  period: string;
  deal_id?: Uuid | null;
  current_ratio: number | null;
  quick_ratio: number | null;
  debt_to_equity: number | null;
  gross_margin: number | null;
  ebitda_margin: number | null;
  net_margin: number | null;
  interest_coverage: number | null;
  created_at: string;
}

export interface DealHierarchy {
  deal: Deal;
  documents: DocumentItem[];
  tasks: Task[];
  latest_ratios: Ratios | null;
}

export interface AuditEntry {
  id: Uuid;
  action: string;
  resource_type: string;
  resource_id: string | null;
  user: UserRef | null;
  occurred_at: string;
  details: Record<string, unknown>;
  source: 'server' | 'client';
  client_time?: string | null;
}

export interface DashboardMetrics {
  deals_count: number;
  documents_count: number;
  tasks_count: number;
  open_tasks_count: number;
  pipeline_value: number;
  deals_by_stage: Partial<Record<DealStage, number>>;
  recent_activity: AuditEntry[];
}

export interface BulkResult {
  updated: number;
  not_found: Uuid[];
}
