// Placeholder until the Dashboard screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function DashboardPage() {
  return <PageHeader title="Dashboard" />;
}
