// The board's state as pure functions: prospects grouped into one list per stage, a
// card moved from one stage list to another, and a card put back where a snapshot
// had it (the rollback of a move the server refused).
import { PROSPECT_STAGES } from '../../lib/enums';
import type { Prospect, ProspectStage } from '../../lib/types';

export type BoardColumns = Record<ProspectStage, Prospect[]>;

export interface CardPlace {
  stage: ProspectStage;
  index: number;
}

export const STAGE_ORDER: readonly ProspectStage[] = PROSPECT_STAGES.map((s) => s.value);

export function isStage(v: string): v is ProspectStage {
  return (STAGE_ORDER as readonly string[]).includes(v);
}

export function emptyColumns(): BoardColumns {
  return { new: [], contacted: [], qualified: [], engaged: [], converted: [], lost: [] };
}

/** Groups prospects by stage, keeping the order they came in (the server's order). */
export function toColumns(prospects: readonly Prospect[]): BoardColumns {
  const cols = emptyColumns();
  for (const p of prospects) {
    if (isStage(p.stage)) cols[p.stage].push(p);
  }
  return cols;
}

export function countCards(cols: BoardColumns): number {
  return STAGE_ORDER.reduce((n, s) => n + cols[s].length, 0);
}

/** Where a card is on the board, or null. */
export function findCard(cols: BoardColumns, id: string): (CardPlace & { card: Prospect }) | null {
  for (const stage of STAGE_ORDER) {
    const index = cols[stage].findIndex((p) => p.id === id);
    if (index >= 0) return { stage, index, card: cols[stage][index] as Prospect };
  }
  return null;
}

/**
 * Moves card `id` into stage `to` at position `index` (clamped), changing its stage.
 * Returns the same object when nothing changes (unknown card, or a drop in the card's
 * own column: the order within a column is not kept by the server).
 */
export function moveCard(cols: BoardColumns, id: string, to: CardPlace): BoardColumns {
  const from = findCard(cols, id);
  if (!from || from.stage === to.stage) return cols;
  const source = cols[from.stage].filter((p) => p.id !== id);
  const dest = cols[to.stage].slice();
  const at = Math.max(0, Math.min(to.index, dest.length));
  dest.splice(at, 0, { ...from.card, stage: to.stage });
  return { ...cols, [from.stage]: source, [to.stage]: dest };
}

/**
 * Puts card `id` back as `snapshot` had it (its stage, place and fields), wherever it
 * is now; other cards keep their current places, so a second move still in flight is
 * not undone by the first one's rollback. A card the snapshot lacks is removed.
 */
export function restoreCard(cols: BoardColumns, snapshot: BoardColumns, id: string): BoardColumns {
  const was = findCard(snapshot, id);
  const now = findCard(cols, id);
  const next: BoardColumns = { ...cols };
  if (now) next[now.stage] = cols[now.stage].filter((p) => p.id !== id);
  if (was) {
    const dest = next[was.stage].slice();
    dest.splice(Math.min(was.index, dest.length), 0, was.card);
    next[was.stage] = dest;
  }
  return next;
}

/** Replaces a card by the server's copy (new version, fields), in the copy's stage. */
export function replaceCard(cols: BoardColumns, card: Prospect): BoardColumns {
  const now = findCard(cols, card.id);
  if (!now) return cols;
  if (now.stage === card.stage) {
    const list = cols[now.stage].slice();
    list[now.index] = card;
    return { ...cols, [now.stage]: list };
  }
  const moved = moveCard(cols, card.id, { stage: card.stage, index: 0 });
  return replaceCard(moved, card);
}

/** Removes a card (deleted). */
export function removeCard(cols: BoardColumns, id: string): BoardColumns {
  const now = findCard(cols, id);
  if (!now) return cols;
  return { ...cols, [now.stage]: cols[now.stage].filter((p) => p.id !== id) };
}

/** The If-Match value for a card: the server's ETag form, "v<version>". */
export function etagOf(p: Pick<Prospect, 'version'>): string {
  return `"v${p.version}"`;
}
