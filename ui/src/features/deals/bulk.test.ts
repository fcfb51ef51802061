import { QueryClient } from '@tanstack/react-query';
import type { Deal, Page } from '../../lib/types';
import { dealKeys } from './api';
import { applyBulk, applyBulkToPage, describeBulkResult, rollbackBulk } from './bulk';
import { DEFAULT_VIEW } from './urlState';

function deal(id: string, archived = false): Deal {
  return {
    id,
    name: `Deal ${id}`,
    target_company: null,
    stage: 'sourcing',
    value: 0,
    currency: 'GBP',
    description: null,
    archived,
    created_by: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    version: 1,
  };
}

function page(items: Deal[], total = items.length): Page<Deal> {
  return { items, page: 1, page_size: 20, total };
}

describe('applyBulkToPage', () => {
  it('removes archived rows from the current list and lowers the total', () => {
    const p = page([deal('a'), deal('b'), deal('c')], 30);
    const next = applyBulkToPage(p, 'archive', new Set(['a', 'c']), false);
    expect(next.items.map((d) => d.id)).toEqual(['b']);
    expect(next.total).toBe(28);
    expect(p.items).toHaveLength(3); // the cached page itself is not changed
  });

  it('removes unarchived rows from the archived list', () => {
    const p = page([deal('a', true), deal('b', true)]);
    const next = applyBulkToPage(p, 'unarchive', new Set(['b']), true);
    expect(next.items.map((d) => d.id)).toEqual(['a']);
    expect(next.total).toBe(1);
  });

  it('marks rows that stay in the list with their new flag', () => {
    const p = page([deal('a', true)]);
    const next = applyBulkToPage(p, 'archive', new Set(['a']), true);
    expect(next.items[0]?.archived).toBe(true);
    expect(next.total).toBe(1);
  });

  it('removes deleted rows from every list', () => {
    expect(applyBulkToPage(page([deal('a'), deal('b')]), 'delete', new Set(['a']), false).items).toHaveLength(1);
    expect(applyBulkToPage(page([deal('a', true)]), 'delete', new Set(['a']), true).items).toHaveLength(0);
  });

  it('returns a page without the ids unchanged', () => {
    const p = page([deal('a')]);
    expect(applyBulkToPage(p, 'delete', new Set(['z']), false)).toBe(p);
  });
});

describe('applyBulk and rollbackBulk over the cache', () => {
  it('writes every cached deals list, and restores them all', () => {
    const qc = new QueryClient();
    const current = { ...DEFAULT_VIEW };
    const archived = { ...DEFAULT_VIEW, archived: true };
    const other = { ...DEFAULT_VIEW, page: 2 };
    const p1 = page([deal('a'), deal('b')]);
    const p2 = page([deal('x', true)]);
    const p3 = page([deal('c')]);
    qc.setQueryData(dealKeys.list(current), p1);
    qc.setQueryData(dealKeys.list(archived), p2);
    qc.setQueryData(dealKeys.list(other), p3);
    qc.setQueryData(['dashboard'], { untouched: true });

    const snapshot = applyBulk(qc, 'archive', ['a', 'c']);
    expect(qc.getQueryData<Page<Deal>>(dealKeys.list(current))?.items.map((d) => d.id)).toEqual(['b']);
    expect(qc.getQueryData<Page<Deal>>(dealKeys.list(other))?.items).toEqual([]);
    expect(qc.getQueryData(dealKeys.list(archived))).toEqual(p2);
    expect(qc.getQueryData(['dashboard'])).toEqual({ untouched: true });

    rollbackBulk(qc, snapshot);
    expect(qc.getQueryData(dealKeys.list(current))).toEqual(p1);
    expect(qc.getQueryData(dealKeys.list(other))).toEqual(p3);
    expect(qc.getQueryData(dealKeys.list(archived))).toEqual(p2);
  });

  it('deletes across current and archived lists', () => {
    const qc = new QueryClient();
    qc.setQueryData(dealKeys.list(DEFAULT_VIEW), page([deal('a')]));
    qc.setQueryData(dealKeys.list({ ...DEFAULT_VIEW, archived: true }), page([deal('b', true)]));
    applyBulk(qc, 'delete', ['a', 'b']);
    expect(qc.getQueryData<Page<Deal>>(dealKeys.list(DEFAULT_VIEW))?.items).toEqual([]);
    expect(qc.getQueryData<Page<Deal>>(dealKeys.list({ ...DEFAULT_VIEW, archived: true }))?.total).toBe(0);
  });
});

describe('describeBulkResult', () => {
  it('counts what was done', () => {
    expect(describeBulkResult('archive', { updated: 3, not_found: [] })).toEqual({
      success: '3 deals archived',
      notFound: null,
    });
    expect(describeBulkResult('delete', { updated: 1, not_found: [] }).success).toBe('1 deal deleted');
  });

  it('reports ids the server did not find in words', () => {
    const out = describeBulkResult('unarchive', { updated: 1, not_found: ['x', 'y'] });
    expect(out.success).toBe('1 deal unarchived');
    expect(out.notFound).toBe('2 deals were not found — they may have been deleted by someone else');
    const one = describeBulkResult('delete', { updated: 0, not_found: ['x'] });
    expect(one.success).toBeNull();
    expect(one.notFound).toBe('1 deal was not found — it may have been deleted by someone else');
  });
});
