// Placeholder until the Documents screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function DocumentsPage() {
  return <PageHeader title="Documents" />;
}
