import { Link } from 'react-router-dom';
import { PageHeader } from '../components/PageHeader';

export function NotFoundPage() {
  return (
    <section className="not-found">
      <PageHeader title="Page not found" />
      <p>There is nothing at this address. It may have been moved, or the link may be wrong.</p>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </section>
  );
}
