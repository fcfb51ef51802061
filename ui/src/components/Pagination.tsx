import { formatCount, formatTotal } from '../lib/format';
import { Icon } from './Icon';

/**
 * "41–60 of 157" with Previous/Next; the numbers are the server's total. When the
 * server only counted up to a bound (`totalExact` false: "more than 1,000"), the page
 * count is unknown: "Page 51", and Next follows the server's `next_cursor` (`hasNext`).
 */
export function Pagination({
  page,
  pageSize,
  total,
  totalExact = true,
  hasNext,
  items,
  onPage,
  label = 'Pagination',
}: {
  page: number;
  pageSize: number;
  total: number;
  totalExact?: boolean;
  /** is there a page after this one (the answer's next_cursor is not null) */
  hasNext?: boolean;
  /** items on this page */
  items?: number;
  onPage: (page: number) => void;
  label?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = totalExact
    ? Math.min(total, page * pageSize)
    : items !== undefined
      ? from + Math.max(0, items - 1)
      : page * pageSize;
  const more = hasNext ?? (totalExact ? page < pages : true);
  return (
    <nav className="pagination" aria-label={label}>
      <span className="pagination-info" aria-live="polite">
        {total === 0 ? 'No results' : `${formatCount(from)}–${formatCount(to)} of ${formatTotal(total, totalExact)}`}
      </span>
      <div className="row-gap">
        <button type="button" className="btn btn-secondary btn-sm" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          <Icon name="chevronLeft" size={16} /> Previous
        </button>
        <span className="pagination-page">{totalExact ? `Page ${page} of ${pages}` : `Page ${page}`}</span>
        <button type="button" className="btn btn-secondary btn-sm" disabled={!more} onClick={() => onPage(page + 1)}>
          Next <Icon name="chevronRight" size={16} />
        </button>
      </div>
    </nav>
  );
}
