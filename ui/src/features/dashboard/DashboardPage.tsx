import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { PageHeader } from '../../components/PageHeader';
import { Skeleton } from '../../components/Skeleton';
import { EmptyState, ErrorState } from '../../components/States';
import { useUser } from '../../lib/auth';
import { DEAL_STAGES, taskStatusLabel } from '../../lib/enums';
import { describeAction, formatCount, formatDate, formatMoney } from '../../lib/format';
import type { AuditEntry, DashboardMetrics, Task } from '../../lib/types';
import { RelativeTime } from '../documents/parts';
import { useDashboardMetrics, useMyOpenTasks } from './api';
import { BarChart } from '../../components/BarChart';

export interface StageCount {
  stage: string;
  label: string;
  count: number;
}

// Recharts comes with this chunk only, after the rest of the dashboard has shown.

export default function DashboardPage() {
  const user = useUser();
  return (
    <div className="dashboard">
      <PageHeader title="Dashboard">Welcome back, {user.first_name}. Here is where things stand.</PageHeader>
      <MetricsCards />
      <div className="grid grid-2 dashboard-row">
        <StageCard />
        <MyTasksCard />
      </div>
      <ActivityCard />
    </div>
  );
}

function Card({ id, title, action, children }: { id: string; title: string; action?: ReactNode; children: ReactNode }) {
  return (
    <section className="card dash-card" aria-labelledby={id}>
      <div className="dash-card-head">
        <h2 id={id}>{title}</h2>
        {action}
      </div>
      {children}
    </section>
  );
}

// ---------------------------------------------------------------- figures

const FIGURES: readonly { key: keyof DashboardMetrics; label: string; money?: boolean }[] = [
  { key: 'deals_count', label: 'Deals' },
  { key: 'pipeline_value', label: 'Pipeline value', money: true },
  { key: 'documents_count', label: 'Documents' },
  { key: 'tasks_count', label: 'Tasks' },
  { key: 'open_tasks_count', label: 'Open tasks' },
];

export function MetricsCards() {
  const q = useDashboardMetrics();
  if (q.isError) {
    return (
      <section className="dash-figures" aria-label="Key figures">
        <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The figures could not be loaded" />
      </section>
    );
  }
  return (
    <section aria-label="Key figures">
      <ul className="dash-figures">
        {FIGURES.map((f) => {
          const raw = q.data ? (q.data[f.key] as number) : null;
          return (
            <li key={f.key} className="card metric">
              <p className="metric-label">{f.label}</p>
              {raw === null ? (
                <Skeleton lines={1} label={`Loading ${f.label.toLowerCase()}`} />
              ) : (
                <p className="metric-value">
                  <data value={String(raw)} title={f.money ? formatMoney(raw) : undefined}>
                    {f.money ? formatMoney(raw, 'GBP', true) : formatCount(raw)}
                  </data>
                </p>
              )}
              {f.money && raw !== null ? <p className="metric-note">Open deals, excluding won and lost</p> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

// ---------------------------------------------------------------- deals by stage

export function stageCounts(m: DashboardMetrics): StageCount[] {
  return DEAL_STAGES.map((s) => ({ stage: s.value, label: s.label, count: m.deals_by_stage[s.value] ?? 0 }));
}

export function StageCard() {
  const q = useDashboardMetrics();
  let body;
  if (q.isPending)
    body = (
      <div className="stage-chart-box">
        <Skeleton lines={6} label="Loading deals by stage" />
      </div>
    );
  else if (q.isError)
    body = <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The deals by stage could not be loaded" />;
  else {
    const data = stageCounts(q.data);
    const total = data.reduce((n, d) => n + d.count, 0);
    body =
      total === 0 ? (
        <EmptyState title="No deals yet" action={<Link to="/deals">Go to the deals</Link>} />
      ) : (
        <>
          <BarChart bars={data.map((d) => ({ key: d.stage, label: d.label, value: d.count }))} />
          <table className="visually-hidden">
            <caption>Deals by stage</caption>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">Deals</th>
              </tr>
            </thead>
            <tbody>
              {data.map((d) => (
                <tr key={d.stage}>
                  <th scope="row">{d.label}</th>
                  <td>{d.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      );
  }
  return (
    <Card id="dash-stages" title="Deals by stage" action={<Link to="/deals" className="dash-link">All deals</Link>}>
      {body}
    </Card>
  );
}

// ---------------------------------------------------------------- activity

function resourceLink(e: AuditEntry): string | null {
  if (!e.resource_id || e.action.endsWith('.delete')) return null;
  if (e.resource_type === 'deal') return `/deals/${e.resource_id}`;
  if (e.resource_type === 'document') return `/documents/${e.resource_id}`;
  return null;
}

export function ActivityCard() {
  const q = useDashboardMetrics();
  let body;
  if (q.isPending) body = <Skeleton lines={6} label="Loading the recent activity" />;
  else if (q.isError)
    body = <ErrorState error={q.error} onRetry={() => void q.refetch()} title="The recent activity could not be loaded" />;
  else if (q.data.recent_activity.length === 0) body = <EmptyState title="No activity yet" />;
  else
    body = (
      <ol className="activity">
        {q.data.recent_activity.map((e) => {
          const to = resourceLink(e);
          const what = describeAction(e.action);
          return (
            <li key={e.id} className="activity-item">
              <span className="activity-text">
                <strong>{e.user?.name ?? 'The system'}</strong> {to ? <Link to={to}>{what}</Link> : what}
              </span>
              <span className="activity-time muted">
                <RelativeTime iso={e.occurred_at} />
              </span>
            </li>
          );
        })}
      </ol>
    );
  return (
    <Card id="dash-activity" title="Recent activity">
      {body}
    </Card>
  );
}

// ---------------------------------------------------------------- my tasks

const todayIso = (): string => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function Due({ task }: { task: Task }) {
  if (!task.due_date) return <span className="muted">No due date</span>;
  const overdue = task.due_date < todayIso();
  return (
    <span className={overdue ? 'due overdue' : 'due'}>
      {overdue ? 'Overdue · ' : 'Due '}
      <time dateTime={task.due_date}>{formatDate(task.due_date)}</time>
    </span>
  );
}

export function MyTasksCard() {
  const user = useUser();
  const q = useMyOpenTasks(user.id);
  let body;
  if (q.error) body = <ErrorState error={q.error} onRetry={q.refetch} title="Your tasks could not be loaded" />;
  else if (q.isPending || !q.data) body = <Skeleton lines={5} label="Loading your tasks" />;
  else if (q.data.tasks.length === 0)
    body = (
      <EmptyState title="No open tasks — nice">
        <p>Tasks assigned to you that are open or in progress show up here.</p>
      </EmptyState>
    );
  else {
    const more = q.data.total - q.data.tasks.length;
    body = (
      <>
        <ul className="my-tasks">
          {q.data.tasks.map((t) => (
            <li key={t.id} className="my-task">
              <Link to="/tasks" className="my-task-title">
                {t.title}
              </Link>
              <span className="my-task-meta">
                <Due task={t} />
                {t.status === 'in_progress' ? <span className="badge badge-blue">{taskStatusLabel(t.status)}</span> : null}
              </span>
            </li>
          ))}
        </ul>
        {more > 0 ? <p className="muted">And {formatCount(more)} more on the tasks page.</p> : null}
      </>
    );
  }
  return (
    <Card id="dash-tasks" title="Your open tasks" action={<Link to="/tasks" className="dash-link">All tasks</Link>}>
      {body}
    </Card>
  );
}
