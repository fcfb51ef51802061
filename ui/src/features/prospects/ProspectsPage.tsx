// Placeholder until the Prospects screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function ProspectsPage() {
  return <PageHeader title="Prospects" />;
}
