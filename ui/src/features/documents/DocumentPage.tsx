// Placeholder until the Document screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function DocumentPage() {
  return <PageHeader title="Document" />;
}
