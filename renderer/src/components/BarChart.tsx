import './components.css';

export interface Bar {
  /** Short label under the bar (e.g. the day of the month). */
  label: string;
  value: number;
  /** Full description for the tooltip and screen readers. */
  title: string;
}

/**
 * A bar chart in plain SVG (no chart library): scales to its container, themed through CSS
 * variables, and paired with a visually hidden table so the numbers are readable without sight.
 */
export function BarChart({
  title,
  bars,
  format = (v) => v.toLocaleString(),
  tone = 'accent',
  testId,
  emptyText = 'No data yet.',
}: {
  title: string;
  bars: Bar[];
  format?: (v: number) => string;
  tone?: 'accent' | 'danger';
  testId?: string;
  /** Said instead of an empty chart, whose made-up scale ("1", "1 B") would mean nothing. */
  emptyText?: string;
}) {
  if (bars.every((b) => !(b.value > 0))) {
    return (
      <figure className="chart chart-empty" data-testid={testId} data-empty="true">
        <figcaption>{title}</figcaption>
        <p className="muted">{emptyText}</p>
      </figure>
    );
  }
  const width = 420;
  const height = 150;
  const top = 14;
  const bottom = 18;
  const left = 48;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - left) / Math.max(1, bars.length);
  const barWidth = Math.max(2, slot * 0.7);
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  const labelEvery = Math.ceil(bars.length / 10);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${title}: ${bars.filter((b) => b.value > 0).length} of ${bars.length} days with data, peak ${format(max === 1 && bars.every((b) => b.value === 0) ? 0 : max)}`}>
        <line x1={left} x2={width} y1={y(0)} y2={y(0)} className="chart-axis" />
        <line x1={left} x2={width} y1={y(max)} y2={y(max)} className="chart-grid" />
        <text x={left - 4} y={y(max) + 4} textAnchor="end" className="chart-tick">
          {format(max)}
        </text>
        <text x={left - 4} y={y(0) + 4} textAnchor="end" className="chart-tick">
          0
        </text>
        {bars.map((b, i) => {
          const x = left + i * slot + (slot - barWidth) / 2;
          return (
            <g key={i}>
              <rect x={x} y={y(b.value)} width={barWidth} height={Math.max(0, y(0) - y(b.value))} className={`chart-bar chart-${tone}`} data-value={b.value}>
                <title>{b.title}</title>
              </rect>
              {i % labelEvery === 0 && (
                <text x={x + barWidth / 2} y={height - 4} textAnchor="middle" className="chart-tick">
                  {b.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <table className="sr-only">
        <caption>{title}</caption>
        <tbody>
          {bars.map((b, i) => (
            <tr key={i}>
              <th scope="row">{b.title.split(':')[0]}</th>
              <td>{format(b.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
