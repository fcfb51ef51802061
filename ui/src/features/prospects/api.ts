// Prospects' server state: the whole board in one query (every page of
// GET /prospects), and the mutations that change it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, errorMessage } from '../../lib/api';
import type { Page, Prospect, ProspectStage } from '../../lib/types';
import { useToast } from '../../components/Toast';
import type { BoardColumns, CardPlace } from './board';
import { etagOf, moveCard, removeCard, replaceCard, restoreCard, toColumns } from './board';

export const prospectKeys = {
  all: ['prospects'] as const,
  board: () => [...prospectKeys.all, 'board'] as const,
  detail: (id: string) => [...prospectKeys.all, 'detail', id] as const,
};

const moveKey = [...prospectKeys.all, 'move'] as const;

/** The page size the board asks for (the API's maximum). */
export const BOARD_PAGE_SIZE = 100;
/** A stop for a server that keeps answering full pages (100 000 cards). */
const MAX_PAGES = 1000;

/** Every current prospect, newest first, page after page. */
export async function fetchAllProspects(signal?: AbortSignal): Promise<Prospect[]> {
  const all: Prospect[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await api<Page<Prospect>>('/prospects', {
      query: { page, page_size: BOARD_PAGE_SIZE },
      ...(signal ? { signal } : {}),
    });
    all.push(...res.items);
    if (res.items.length < BOARD_PAGE_SIZE || res.next_cursor === null || (res.total_exact !== false && all.length >= res.total)) break;
  }
  // A card created between two page loads can shift another onto the next page twice.
  const seen = new Set<string>();
  return all.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true)));
}

export function useBoard() {
  return useQuery({
    queryKey: prospectKeys.board(),
    queryFn: async ({ signal }) => toColumns(await fetchAllProspects(signal)),
  });
}

export interface ProspectInput {
  company_name: string;
  contact_name: string | null;
  contact_email: string | null;
  stage: ProspectStage;
  notes: string | null;
}

/** The toast for a move the server refused. */
export function moveFailureMessage(err: unknown, company: string): string {
  if (err instanceof ApiError && err.status === 412) {
    return `Someone else changed ${company} — the board has been refreshed`;
  }
  if (err instanceof ApiError && err.status === 404) {
    return `${company} no longer exists — the board has been refreshed`;
  }
  return `${company} could not be moved: ${errorMessage(err)}`;
}

/**
 * A drag-and-drop: the card moves at once (cancel, snapshot, write); the server's
 * refusal puts it back where it was and says why; the board is then refetched.
 */
export function useMoveProspect() {
  const qc = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationKey: moveKey,
    mutationFn: ({ card, to }: { card: Prospect; to: CardPlace }) =>
      api<Prospect>(`/prospects/${card.id}`, {
        method: 'PATCH',
        body: { stage: to.stage },
        ifMatch: etagOf(card),
      }),
    onMutate: async ({ card, to }) => {
      await qc.cancelQueries({ queryKey: prospectKeys.board() });
      const snapshot = qc.getQueryData<BoardColumns>(prospectKeys.board());
      if (snapshot) qc.setQueryData<BoardColumns>(prospectKeys.board(), moveCard(snapshot, card.id, to));
      return { snapshot };
    },
    onError: (err, { card }, ctx) => {
      if (ctx?.snapshot) {
        const snap = ctx.snapshot;
        qc.setQueryData<BoardColumns>(prospectKeys.board(), (cur) => (cur ? restoreCard(cur, snap, card.id) : snap));
      }
      toast.error(moveFailureMessage(err, card.company_name));
    },
    onSuccess: (saved) => {
      qc.setQueryData<BoardColumns>(prospectKeys.board(), (cur) => (cur ? replaceCard(cur, saved) : cur));
    },
    onSettled: () => {
      // The last move to settle refetches; earlier ones would overwrite the later
      // optimistic cards with the server's state from before those moves.
      if (qc.isMutating({ mutationKey: moveKey }) === 1) {
        void qc.invalidateQueries({ queryKey: prospectKeys.board() });
      }
    },
  });
}

export function useCreateProspect() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ProspectInput) => api<Prospect>('/prospects', { method: 'POST', body: input }),
    onSuccess: (created) => {
      qc.setQueryData<BoardColumns>(prospectKeys.board(), (cur) =>
        cur ? { ...cur, [created.stage]: [created, ...cur[created.stage]] } : cur,
      );
    },
    onSettled: () => qc.invalidateQueries({ queryKey: prospectKeys.board() }),
  });
}

export function useUpdateProspect() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ card, input }: { card: Prospect; input: Partial<ProspectInput> }) =>
      api<Prospect>(`/prospects/${card.id}`, { method: 'PATCH', body: input, ifMatch: etagOf(card) }),
    onSuccess: (saved) => {
      qc.setQueryData<BoardColumns>(prospectKeys.board(), (cur) => (cur ? replaceCard(cur, saved) : cur));
    },
    onSettled: () => qc.invalidateQueries({ queryKey: prospectKeys.board() }),
  });
}

export function useDeleteProspect() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (card: Prospect) => api<void>(`/prospects/${card.id}`, { method: 'DELETE' }),
    onSuccess: (_v, card) => {
      qc.setQueryData<BoardColumns>(prospectKeys.board(), (cur) => (cur ? removeCard(cur, card.id) : cur));
    },
    onSettled: () => qc.invalidateQueries({ queryKey: prospectKeys.board() }),
  });
}
