// One deal from GET /deals/{id}/hierarchy: its summary, stage (changed in place with
// If-Match, optimistically), documents, tasks and latest ratios; edit and delete for
// editors.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../lib/api';
import { canWrite, useUser } from '../../lib/auth';
import { DEAL_STAGES, dealStageLabel, permissionLabel, taskStatusLabel } from '../../lib/enums';
import { formatDate, formatDateTime, formatMoney, formatRatio } from '../../lib/format';
import type { Deal, DealHierarchy, DealStage, Ratios, TaskStatus } from '../../lib/types';
import { Button } from '../../components/Button';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { SelectField } from '../../components/Field';
import { PageHeader } from '../../components/PageHeader';
import { Skeleton } from '../../components/Skeleton';
import { ErrorState } from '../../components/States';
import { useToast } from '../../components/Toast';
import { CONFLICT_MESSAGE, dealKeys, deleteDeal, updateDeal, useDealHierarchy } from './api';
import { DealFormDialog } from './DealFormDialog';
import { StageBadge } from './StageBadge';

const STATUS_TONE: Record<TaskStatus, string> = { open: '', in_progress: 'badge-blue', done: 'badge-green' };

function DealNotFound({ invalid }: { invalid: boolean }) {
  return (
    <div className="deal-missing">
      <PageHeader title="Deal not found" />
      <p>
        {invalid
          ? 'This address does not name a deal: the link may be incomplete.'
          : 'There is no such deal in your organization. It may have been deleted, or the link may be wrong.'}
      </p>
      <p>
        <Link to="/deals">Back to deals</Link>
      </p>
    </div>
  );
}

function RatiosCard({ ratios }: { ratios: Ratios | null }) {
  return (
    <section className="card deal-card" aria-labelledby="deal-ratios">
      <h2 id="deal-ratios">Latest ratios</h2>
      {ratios ? (
        <>
          <p className="muted deal-period">
            Period {ratios.period} · calculated {formatDate(ratios.created_at)}
          </p>
          <dl className="deal-ratios">
            <div>
              <dt>Current ratio</dt>
              <dd>{formatRatio(ratios.current_ratio)}</dd>
            </div>
            <div>
              <dt>Quick ratio</dt>
              <dd>{formatRatio(ratios.quick_ratio)}</dd>
            </div>
            <div>
              <dt>Debt to equity</dt>
              <dd>{formatRatio(ratios.debt_to_equity)}</dd>
            </div>
            <div>
              <dt>Gross margin</dt>
              <dd>{formatRatio(ratios.gross_margin, true)}</dd>
            </div>
            <div>
              <dt>EBITDA margin</dt>
              <dd>{formatRatio(ratios.ebitda_margin, true)}</dd>
            </div>
            <div>
              <dt>Net margin</dt>
              <dd>{formatRatio(ratios.net_margin, true)}</dd>
            </div>
            <div>
              <dt>Interest coverage</dt>
              <dd>{ratios.interest_coverage === null ? '—' : `${formatRatio(ratios.interest_coverage)}×`}</dd>
            </div>
          </dl>
        </>
      ) : (
        <p className="muted">No financial statements yet</p>
      )}
    </section>
  );
}

function useStageChange(id: string, onConflict: () => void) {
  const qc = useQueryClient();
  const toast = useToast();
  const key = dealKeys.hierarchy(id);
  return useMutation<Deal, unknown, { stage: DealStage; version: number }, { previous: DealHierarchy | undefined }>({
    mutationFn: ({ stage, version }) => updateDeal(id, { stage }, version),
    onMutate: async ({ stage }) => {
      await qc.cancelQueries({ queryKey: key });
      const previous = qc.getQueryData<DealHierarchy>(key);
      if (previous) qc.setQueryData<DealHierarchy>(key, { ...previous, deal: { ...previous.deal, stage } });
      return { previous };
    },
    onError: (err, _vars, ctx) => {
      if (ctx?.previous) qc.setQueryData(key, ctx.previous);
      if (err instanceof ApiError && err.status === 412) {
        onConflict();
        toast.error(`The stage was not changed. ${CONFLICT_MESSAGE}.`);
      } else {
        toast.error(`The stage could not be changed: ${errorMessage(err)}`);
      }
    },
    onSuccess: (deal) => {
      qc.setQueryData<DealHierarchy>(key, (old) => (old ? { ...old, deal } : old));
      toast.success(`Stage changed to ${dealStageLabel(deal.stage)}`);
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: key });
      void qc.invalidateQueries({ queryKey: dealKeys.lists() });
      void qc.invalidateQueries({ queryKey: ['dashboard'] });
    },
  });
}

export default function DealPage() {
  const { id = '' } = useParams();
  const user = useUser();
  const editor = canWrite(user);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const toast = useToast();
  const query = useDealHierarchy(id);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [conflict, setConflict] = useState(false);
  const stage = useStageChange(id, () => setConflict(true));

  if (query.isPending) {
    return (
      <div className="deal-page">
        <PageHeader title="Deal" />
        <Skeleton lines={8} label="Loading the deal" />
      </div>
    );
  }
  if (query.isError) {
    const err = query.error;
    if (err instanceof ApiError && (err.status === 404 || err.status === 422)) {
      return <DealNotFound invalid={err.status === 422} />;
    }
    return (
      <div className="deal-page">
        <PageHeader title="Deal" />
        <ErrorState error={err} onRetry={() => void query.refetch()} title="The deal could not be loaded" />
        <p>
          <Link to="/deals">Back to deals</Link>
        </p>
      </div>
    );
  }

  const { deal, documents, tasks, latest_ratios: ratios } = query.data;

  const reload = async () => {
    const r = await query.refetch();
    setConflict(false);
    return r.data?.deal;
  };

  const remove = async () => {
    try {
      await deleteDeal(deal.id);
      toast.success(`Deal “${deal.name}” deleted`);
      navigate('/deals');
      qc.removeQueries({ queryKey: dealKeys.hierarchy(deal.id) });
      void qc.invalidateQueries({ queryKey: dealKeys.lists() });
      void qc.invalidateQueries({ queryKey: ['dashboard'] });
    } catch (err) {
      toast.error(`The deal could not be deleted: ${errorMessage(err)}`);
    }
  };

  return (
    <div className="deal-page">
      <p className="deal-back">
        <Link to="/deals">← All deals</Link>
      </p>
      <PageHeader
        title={deal.name}
        actions={
          editor ? (
            <>
              <Button onClick={() => setEditing(true)}>Edit</Button>
              <Button variant="danger" onClick={() => setDeleting(true)}>
                Delete
              </Button>
            </>
          ) : null
        }
      >
        {deal.target_company ?? 'No target company'}
        {deal.archived ? <span className="badge deals-archived">Archived</span> : null}
      </PageHeader>

      {conflict ? (
        <div className="deal-conflict" role="alert">
          <p>{CONFLICT_MESSAGE}.</p>
          <Button size="sm" busy={query.isFetching} onClick={() => void reload()}>
            Reload
          </Button>
        </div>
      ) : null}

      <div className="deal-grid">
        <section className="card deal-card deal-summary" aria-labelledby="deal-summary">
          <h2 id="deal-summary">Summary</h2>
          <dl className="deal-facts">
            <div>
              <dt>Target company</dt>
              <dd>{deal.target_company ?? '—'}</dd>
            </div>
            <div>
              <dt>Value</dt>
              <dd className="deal-value">{formatMoney(deal.value, deal.currency)}</dd>
            </div>
            {editor ? null : (
              <div>
                <dt>Stage</dt>
                <dd>
                  <StageBadge stage={deal.stage} />
                </dd>
              </div>
            )}
            <div>
              <dt>Created by</dt>
              <dd>{deal.created_by?.name ?? '—'}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>
                <time dateTime={deal.created_at}>{formatDateTime(deal.created_at)}</time>
              </dd>
            </div>
            <div>
              <dt>Last changed</dt>
              <dd>
                <time dateTime={deal.updated_at}>{formatDateTime(deal.updated_at)}</time>
              </dd>
            </div>
          </dl>
          {editor ? (
            <div className="deal-stage">
              <SelectField
                label="Stage"
                value={deal.stage}
                aria-busy={stage.isPending || undefined}
                onChange={(e) => {
                  // One change at a time (the next needs the version this one makes); the
                  // select keeps focus instead of being disabled under the keyboard.
                  if (!stage.isPending) stage.mutate({ stage: e.target.value as DealStage, version: deal.version });
                }}
                options={DEAL_STAGES}
              />
            </div>
          ) : null}
          <h3 className="deal-subhead">Description</h3>
          {deal.description ? <p className="deal-description">{deal.description}</p> : <p className="muted">No description.</p>}
        </section>

        <RatiosCard ratios={ratios} />

        <section className="card deal-card" aria-labelledby="deal-documents">
          <h2 id="deal-documents">Documents</h2>
          {documents.length === 0 ? (
            <p className="muted">No documents for this deal yet.</p>
          ) : (
            <ul className="deal-list">
              {documents.map((doc) => (
                <li key={doc.id}>
                  <Link to={`/documents/${doc.id}`}>{doc.title}</Link>
                  <span className="muted">
                    {' '}
                    · {permissionLabel(doc.permission)} · updated {formatDate(doc.updated_at)}
                  </span>
                  {doc.archived ? <span className="badge deals-archived">Archived</span> : null}
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="card deal-card deal-tasks" aria-labelledby="deal-tasks">
          <h2 id="deal-tasks">Tasks</h2>
          {tasks.length === 0 ? (
            <p className="muted">No tasks for this deal yet.</p>
          ) : (
            <div className="deal-tasks-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Task</th>
                    <th scope="col">Assignee</th>
                    <th scope="col">Due</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {tasks.map((t) => (
                    <tr key={t.id}>
                      <td>{t.title}</td>
                      <td>{t.assignee?.name ?? <span className="muted">Unassigned</span>}</td>
                      <td>{t.due_date ? <time dateTime={t.due_date}>{formatDate(t.due_date)}</time> : '—'}</td>
                      <td>
                        <span className={`badge ${STATUS_TONE[t.status]}`.trim()}>{taskStatusLabel(t.status)}</span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      {editor ? (
        <>
          <DealFormDialog open={editing} onOpenChange={setEditing} deal={deal} onReload={reload} />
          <ConfirmDialog
            open={deleting}
            onOpenChange={setDeleting}
            title="Delete this deal?"
            description={<p>“{deal.name}” will be deleted. This cannot be undone.</p>}
            confirmLabel="Delete deal"
            onConfirm={remove}
          />
        </>
      ) : null}
    </div>
  );
}
