// Placeholder until the Deal screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function DealPage() {
  return <PageHeader title="Deal" />;
}
