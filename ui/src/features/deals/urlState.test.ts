import {
  DEFAULT_VIEW,
  hasFilters,
  nextSort,
  parseView,
  sortDirection,
  updateView,
  viewToParams,
  viewToQuery,
} from './urlState';

describe('deals list URL state', () => {
  it('reads a full view from the query', () => {
    const v = parseView(new URLSearchParams('q=Project+Falcon&stage=closing&archived=true&sort=-value&page=3&page_size=50'));
    expect(v).toEqual({ q: 'Project Falcon', stage: 'closing', archived: true, sort: '-value', page: 3, pageSize: 50 });
  });

  it('falls back to defaults for odd values', () => {
    const v = parseView(new URLSearchParams('stage=bogus&sort=drop&page=0&page_size=500&archived=yes'));
    expect(v).toEqual(DEFAULT_VIEW);
    expect(parseView(new URLSearchParams('page=-2')).page).toBe(1);
    expect(parseView(new URLSearchParams('page=1.5')).page).toBe(1);
  });

  it('round-trips and leaves defaults out of the URL', () => {
    expect(viewToParams(DEFAULT_VIEW).toString()).toBe('');
    const v = { ...DEFAULT_VIEW, q: 'Project Falcon', stage: 'won' as const, page: 2 };
    const params = viewToParams(v);
    expect(params.toString()).toBe('q=Project+Falcon&stage=won&page=2');
    expect(parseView(params)).toEqual(v);
  });

  it('goes back to page 1 when what is shown changes', () => {
    const v = { ...DEFAULT_VIEW, page: 4 };
    expect(updateView(v, { q: 'x' }).page).toBe(1);
    expect(updateView(v, { sort: 'name' }).page).toBe(1);
    expect(updateView(v, { archived: true }).page).toBe(1);
    expect(updateView(v, { page: 5 }).page).toBe(5);
    expect(updateView(v, { q: '' }).page).toBe(4); // unchanged value
  });

  it('builds the API query', () => {
    expect(viewToQuery({ ...DEFAULT_VIEW, q: '  a b ' })).toEqual({
      q: 'a b',
      stage: undefined,
      archived: undefined,
      sort: '-created_at',
      page: 1,
      page_size: 20,
    });
    expect(viewToQuery({ ...DEFAULT_VIEW, archived: true, stage: 'lost' })).toMatchObject({ archived: 'true', stage: 'lost' });
  });

  it('knows when filters are active', () => {
    expect(hasFilters(DEFAULT_VIEW)).toBe(false);
    expect(hasFilters({ ...DEFAULT_VIEW, sort: 'name', page: 3 })).toBe(false);
    expect(hasFilters({ ...DEFAULT_VIEW, archived: true })).toBe(true);
  });

  it('sorts a new column its natural way first and flips the same one', () => {
    expect(nextSort('-created_at', 'name')).toBe('name');
    expect(nextSort('name', 'name')).toBe('-name');
    expect(nextSort('-name', 'name')).toBe('name');
    expect(nextSort('name', 'value')).toBe('-value');
    expect(nextSort('-created_at', 'created_at')).toBe('created_at');
    expect(sortDirection('-value', 'value')).toBe('descending');
    expect(sortDirection('-value', 'name')).toBe('none');
  });
});
