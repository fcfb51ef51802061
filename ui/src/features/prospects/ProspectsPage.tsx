// The prospects board: a column per stage; cards move between stages by drag and drop
// (mouse, touch or keyboard) and the stage is saved at once, optimistically.
import { useCallback, useMemo, useState } from 'react';
import { DragDropContext, Draggable, Droppable } from '@hello-pangea/dnd';
import type { DragStart, DragUpdate, DropResult, ResponderProvided } from '@hello-pangea/dnd';
import { canWrite, useUser } from '../../lib/auth';
import { PROSPECT_STAGES, prospectStageLabel } from '../../lib/enums';
import { formatCount } from '../../lib/format';
import type { Prospect, ProspectStage } from '../../lib/types';
import { Button } from '../../components/Button';
import { Icon } from '../../components/Icon';
import { PageHeader } from '../../components/PageHeader';
import { Skeleton } from '../../components/Skeleton';
import { ErrorState } from '../../components/States';
import { useBoard, useMoveProspect } from './api';
import type { BoardColumns } from './board';
import { countCards, findCard, isStage } from './board';
import { NewProspectDialog, ProspectDetailsDialog } from './ProspectDialogs';

export const DRAG_INSTRUCTIONS =
  'Press Space to pick up this prospect. While it is picked up, use the left and right arrow keys ' +
  'to move it to another stage, Space to drop it there, or Escape to cancel. Press Enter to open its details.';

/** What a screen reader hears during a drag: stage names, not list positions. */
export function announcements(cols: BoardColumns | undefined) {
  const company = (id: string) => (cols ? findCard(cols, id)?.card.company_name : undefined) ?? 'The prospect';
  const stage = (id: string) => (isStage(id) ? prospectStageLabel(id) : id);
  return {
    start: (s: DragStart) =>
      `You have picked up ${company(s.draggableId)}, in ${stage(s.source.droppableId)}. ` +
      'Use the left and right arrow keys to move it to another stage, Space to drop it, Escape to cancel.',
    update: (u: DragUpdate) => {
      const name = company(u.draggableId);
      if (!u.destination) return `${name} is not over a stage. Dropping it now leaves it in ${stage(u.source.droppableId)}.`;
      if (u.destination.droppableId === u.source.droppableId) return `${name} is over its own stage, ${stage(u.source.droppableId)}.`;
      return `${name} is over ${stage(u.destination.droppableId)}.`;
    },
    end: (r: DropResult) => {
      const name = company(r.draggableId);
      const from = stage(r.source.droppableId);
      if (r.reason === 'CANCEL') return `Move canceled. ${name} stays in ${from}.`;
      if (!r.destination || r.destination.droppableId === r.source.droppableId) return `${name} stays in ${from}.`;
      return `${name} moved from ${from} to ${stage(r.destination.droppableId)}.`;
    },
  };
}

function Card({ p, index, editable, onOpen }: { p: Prospect; index: number; editable: boolean; onOpen: (p: Prospect) => void }) {
  return (
    <Draggable draggableId={p.id} index={index} isDragDisabled={!editable}>
      {(provided, snapshot) => {
        const handle = editable && provided.dragHandleProps ? provided.dragHandleProps : { role: 'button', tabIndex: 0 };
        return (
          <div
            ref={provided.innerRef}
            {...provided.draggableProps}
            {...handle}
            className={`prospect-card${snapshot.isDragging ? ' prospect-card-dragging' : ''}`}
            data-dragging={snapshot.isDragging ? 'true' : undefined}
            onClick={() => onOpen(p)}
            onKeyDown={(e) => {
              if (e.defaultPrevented) return; // a key dnd used (e.g. during a keyboard drag)
              if (e.key === 'Enter' || (!editable && e.key === ' ')) {
                e.preventDefault();
                onOpen(p);
              }
            }}
          >
            <span className="prospect-company">{p.company_name}</span>
            {p.contact_name ? <span className="prospect-contact">{p.contact_name}</span> : null}
            {p.contact_email ? <span className="prospect-email" title={p.contact_email}>{p.contact_email}</span> : null}
          </div>
        );
      }}
    </Draggable>
  );
}

function Column({
  stage,
  cards,
  editable,
  onOpen,
}: {
  stage: ProspectStage;
  cards: Prospect[];
  editable: boolean;
  onOpen: (p: Prospect) => void;
}) {
  const titleId = `prospects-col-${stage}`;
  return (
    <section className="prospect-column" aria-labelledby={titleId}>
      <h2 className="prospect-column-head">
        <span id={titleId}>{prospectStageLabel(stage)}</span>
        <span className="badge">
          {formatCount(cards.length)}
          <span className="visually-hidden"> {cards.length === 1 ? 'prospect' : 'prospects'}</span>
        </span>
      </h2>
      <Droppable droppableId={stage} isDropDisabled={!editable}>
        {(provided, snapshot) => (
          <div
            ref={provided.innerRef}
            {...provided.droppableProps}
            className={`prospect-list${snapshot.isDraggingOver ? ' prospect-list-over' : ''}`}
            data-dragging-over={snapshot.isDraggingOver ? 'true' : undefined}
          >
            {cards.map((p, i) => (
              <Card key={p.id} p={p} index={i} editable={editable} onOpen={onOpen} />
            ))}
            {provided.placeholder}
            {cards.length === 0 && !snapshot.isDraggingOver ? <p className="prospect-empty">No prospects in this stage</p> : null}
          </div>
        )}
      </Droppable>
    </section>
  );
}

function BoardSkeleton() {
  return (
    <div className="prospect-board" aria-busy="true">
      <Skeleton lines={4} label="Loading the prospects" />
    </div>
  );
}

export default function ProspectsPage() {
  const user = useUser();
  const editable = canWrite(user);
  const board = useBoard();
  const move = useMoveProspect();
  const [creating, setCreating] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);

  const cols = board.data;
  const say = useMemo(() => announcements(cols), [cols]);
  const open = cols && openId ? findCard(cols, openId)?.card : undefined;

  const onDragEnd = useCallback(
    (r: DropResult, provided: ResponderProvided) => {
      provided.announce(say.end(r));
      if (r.reason !== 'DROP' || !r.destination || !cols) return;
      const to = r.destination.droppableId;
      if (to === r.source.droppableId || !isStage(to)) return; // order within a stage is not kept
      const card = findCard(cols, r.draggableId)?.card;
      if (!card) return;
      move.mutate({ card, to: { stage: to, index: r.destination.index } });
    },
    [cols, move, say],
  );

  return (
    <div className="prospects-page">
      <PageHeader
        title="Prospects"
        actions={
          editable ? (
            <Button variant="primary" onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} /> New prospect
            </Button>
          ) : null
        }
      >
        {cols ? `${formatCount(countCards(cols))} prospects by stage` : 'Prospects by stage'}
      </PageHeader>
      {editable ? (
        <p className="prospect-help muted">
          Drag a card to another stage, or focus it and press Space, the arrow keys, then Space again. Enter opens it.
        </p>
      ) : (
        <p className="notice prospect-readonly">
          <Icon name="lock" size={16} /> You have read-only access: you can open prospects, but not move, add or change
          them.
        </p>
      )}
      {board.isPending ? (
        <BoardSkeleton />
      ) : board.isError ? (
        <ErrorState error={board.error} onRetry={() => void board.refetch()} title="The prospects could not be loaded" />
      ) : (
        <DragDropContext
          dragHandleUsageInstructions={DRAG_INSTRUCTIONS}
          onDragStart={(s, provided) => provided.announce(say.start(s))}
          onDragUpdate={(u, provided) => provided.announce(say.update(u))}
          onDragEnd={onDragEnd}
        >
          <div className="prospect-board">
            {PROSPECT_STAGES.map((s) => (
              <Column key={s.value} stage={s.value} cards={cols ? cols[s.value] : []} editable={editable} onOpen={(p) => setOpenId(p.id)} />
            ))}
          </div>
        </DragDropContext>
      )}
      {editable ? <NewProspectDialog open={creating} onOpenChange={setCreating} /> : null}
      <ProspectDetailsDialog
        prospect={open}
        editable={editable}
        onClose={() => setOpenId(null)}
      />
    </div>
  );
}
