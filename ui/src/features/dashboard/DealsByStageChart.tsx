// The deals-by-stage bar chart. Its own chunk (loaded lazily by the dashboard), so
// Recharts is not part of the first screen's JavaScript. It is a picture for sighted
// users: the dashboard shows the same numbers in a table for screen readers.
import { Bar, BarChart, CartesianGrid, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface StageCount {
  stage: string;
  label: string;
  count: number;
}

export default function DealsByStageChart({ data }: { data: StageCount[] }) {
  return (
    <div className="stage-chart" aria-hidden="true" data-testid="deals-by-stage-chart">
      <ResponsiveContainer width="100%" height={36 * data.length + 30}>
        <BarChart data={data} layout="vertical" margin={{ top: 4, right: 32, bottom: 4, left: 4 }}>
          <CartesianGrid horizontal={false} stroke="#d5dce5" />
          <XAxis type="number" allowDecimals={false} tick={{ fill: '#4a5668', fontSize: 12 }} stroke="#8a97a8" />
          <YAxis
            type="category"
            dataKey="label"
            width={104}
            tick={{ fill: '#17212e', fontSize: 13 }}
            stroke="#8a97a8"
            interval={0}
          />
          <Tooltip
            cursor={{ fill: 'rgba(29, 78, 216, 0.08)' }}
            formatter={(v: number) => [v, 'Deals']}
            contentStyle={{ borderRadius: 6, borderColor: '#d5dce5' }}
          />
          <Bar dataKey="count" fill="#1d4ed8" radius={[0, 4, 4, 0]} isAnimationActive={false} maxBarSize={22}>
            <LabelList dataKey="count" position="right" fill="#17212e" fontSize={12} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
