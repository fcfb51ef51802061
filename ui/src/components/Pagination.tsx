import { formatCount } from '../lib/format';
import { Icon } from './Icon';

/** "41–60 of 157" with Previous/Next; the numbers are the server's total. */
export function Pagination({
  page,
  pageSize,
  total,
  onPage,
  label = 'Pagination',
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
  label?: string;
}) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  return (
    <nav className="pagination" aria-label={label}>
      <span className="pagination-info" aria-live="polite">
        {total === 0 ? 'No results' : `${formatCount(from)}–${formatCount(to)} of ${formatCount(total)}`}
      </span>
      <div className="row-gap">
        <button type="button" className="btn btn-secondary btn-sm" disabled={page <= 1} onClick={() => onPage(page - 1)}>
          <Icon name="chevronLeft" size={16} /> Previous
        </button>
        <span className="pagination-page">
          Page {page} of {pages}
        </span>
        <button type="button" className="btn btn-secondary btn-sm" disabled={page >= pages} onClick={() => onPage(page + 1)}>
          Next <Icon name="chevronRight" size={16} />
        </button>
      </div>
    </nav>
  );
}
