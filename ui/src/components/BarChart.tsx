// A horizontal bar chart of our own: plain HTML and CSS, no chart library. The
// dashboard's "deals by stage" needs bars, labels and counts, and nothing a library
// would add justified its cost on the first screen (docs/performance.md: Recharts cost
// the dashboard ~130 ms of blocked main thread on a throttled phone). It is a picture for
// sighted users: pass the same numbers to screen readers as a table next to it.

export interface Bar {
  key: string;
  label: string;
  value: number;
}

export function BarChart({ bars, valueLabel }: { bars: readonly Bar[]; valueLabel?: (v: number) => string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <div className="bar-chart" aria-hidden="true">
      {bars.map((b) => (
        <div key={b.key} className="bar-chart-row" title={`${b.label}: ${b.value}`}>
          <span className="bar-chart-label">{b.label}</span>
          <span className="bar-chart-track">
            <span
              className="bar-chart-bar"
              data-value={b.value}
              style={{ width: `${(b.value / max) * 100}%` }}
            />
          </span>
          <span className="bar-chart-value">{valueLabel ? valueLabel(b.value) : b.value}</span>
        </div>
      ))}
    </div>
  );
}
