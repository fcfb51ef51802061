// Placeholder until the Tasks screen lands (being built now).
import { PageHeader } from '../../components/PageHeader';

export default function TasksPage() {
  return <PageHeader title="Tasks" />;
}
