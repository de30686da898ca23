import './components.css';
/** A determinate bar when the total is known, an indeterminate one (no aria-valuenow) otherwise. */
export function ProgressBar({ label, value, max, detail }: { label: string; value: number; max: number | null; detail?: string }) {
  const known = max !== null && max > 0;
  const percent = known ? Math.min(100, Math.round((value / max) * 100)) : undefined;
  return (
    <div className="progress">
      <div className="progress-label">
        <span>{label}</span>
        <span className="progress-detail">{detail ?? (known ? `${value.toLocaleString()} / ${max.toLocaleString()}` : value.toLocaleString())}</span>
      </div>
      <div
        className={`progress-track${known ? '' : ' indeterminate'}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={known ? max : undefined}
        aria-valuenow={known ? value : undefined}
        aria-valuetext={detail}
      >
        <div className="progress-fill" style={{ width: known ? `${percent}%` : undefined }} />
      </div>
    </div>
  );
}
