// Placeholder until the Deals screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function DealsPage() {
  return <PageHeader title="Deals" />;
}
