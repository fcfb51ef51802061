import { describe, expect, it } from 'vitest';
import type { Prospect, ProspectStage } from '../../lib/types';
import { countCards, etagOf, findCard, moveCard, removeCard, replaceCard, restoreCard, toColumns } from './board';

function p(id: string, stage: ProspectStage, version = 1): Prospect {
  return {
    id,
    company_name: `Company ${id}`,
    contact_name: null,
    contact_email: null,
    stage,
    notes: null,
    archived: false,
    created_by: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    version,
  };
}

const ids = (list: Prospect[]) => list.map((x) => x.id);

describe('the board as stage lists', () => {
  const cols = toColumns([p('a', 'new'), p('b', 'new'), p('c', 'qualified'), p('d', 'lost')]);

  it('groups prospects by stage in the order they came', () => {
    expect(ids(cols.new)).toEqual(['a', 'b']);
    expect(ids(cols.qualified)).toEqual(['c']);
    expect(ids(cols.lost)).toEqual(['d']);
    expect(cols.contacted).toEqual([]);
    expect(countCards(cols)).toBe(4);
  });

  it('moves a card to another stage at the drop position and changes its stage', () => {
    const next = moveCard(cols, 'b', { stage: 'qualified', index: 0 });
    expect(ids(next.new)).toEqual(['a']);
    expect(ids(next.qualified)).toEqual(['b', 'c']);
    expect(next.qualified[0]?.stage).toBe('qualified');
    // pure: the input is untouched
    expect(ids(cols.new)).toEqual(['a', 'b']);
    expect(cols.new[1]?.stage).toBe('new');
  });

  it('clamps the drop position to the end of the list', () => {
    const next = moveCard(cols, 'a', { stage: 'qualified', index: 99 });
    expect(ids(next.qualified)).toEqual(['c', 'a']);
  });

  it('leaves the board alone for a drop in the same column or an unknown card', () => {
    expect(moveCard(cols, 'a', { stage: 'new', index: 1 })).toBe(cols);
    expect(moveCard(cols, 'zz', { stage: 'lost', index: 0 })).toBe(cols);
  });

  it('restores a card to where the snapshot had it, keeping other moves', () => {
    const snapshot = cols;
    const moved = moveCard(snapshot, 'a', { stage: 'engaged', index: 0 });
    const movedToo = moveCard(moved, 'c', { stage: 'lost', index: 0 }); // a second move in flight
    const back = restoreCard(movedToo, snapshot, 'a');
    expect(ids(back.new)).toEqual(['a', 'b']);
    expect(back.new[0]?.stage).toBe('new');
    expect(back.engaged).toEqual([]);
    expect(ids(back.lost)).toEqual(['c', 'd']);
    expect(findCard(back, 'a')).toMatchObject({ stage: 'new', index: 0 });
  });

  it('restoring a card that did not move changes nothing visible', () => {
    const back = restoreCard(cols, cols, 'b');
    expect(ids(back.new)).toEqual(['a', 'b']);
  });

  it("replaces a card by the server's copy, in the copy's stage", () => {
    const same = replaceCard(cols, p('a', 'new', 2));
    expect(same.new[0]?.version).toBe(2);
    const elsewhere = replaceCard(cols, p('a', 'converted', 3));
    expect(ids(elsewhere.new)).toEqual(['b']);
    expect(elsewhere.converted[0]).toMatchObject({ id: 'a', version: 3 });
  });

  it('removes a card', () => {
    expect(ids(removeCard(cols, 'c').qualified)).toEqual([]);
    expect(countCards(removeCard(cols, 'c'))).toBe(3);
  });

  it('writes If-Match in the ETag form "v<version>"', () => {
    expect(etagOf({ version: 7 })).toBe('"v7"');
  });
});
