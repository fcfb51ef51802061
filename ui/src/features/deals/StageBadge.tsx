import { dealStageLabel } from '../../lib/enums';
import type { DealStage } from '../../lib/types';

const TONE: Record<DealStage, string> = {
  sourcing: '',
  evaluation: 'badge-blue',
  due_diligence: 'badge-amber',
  negotiation: 'badge-blue',
  closing: 'badge-amber',
  won: 'badge-green',
  lost: 'badge-red',
};

/** A deal's stage as a coloured pill (the word carries the meaning, not the colour). */
export function StageBadge({ stage }: { stage: DealStage }) {
  return <span className={`badge ${TONE[stage]}`.trim()}>{dealStageLabel(stage)}</span>;
}
