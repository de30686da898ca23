import { useEffect, useState } from 'react';
import { ProgressBar } from './ProgressBar';

/**
 * An indeterminate progress bar for work whose size is unknown (writing a log ZIP, converting a
 * large item), shown once it has taken longer than a moment so quick answers do not flicker.
 */
export function Working({ busy, label, afterMs = 400 }: { busy: boolean; label: string; afterMs?: number }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (!busy) {
      setShown(false);
      return;
    }
    const timer = setTimeout(() => setShown(true), afterMs);
    return () => clearTimeout(timer);
  }, [busy, afterMs]);
  if (!busy || !shown) return null;
  return (
    <div data-testid="working" aria-live="polite">
      <ProgressBar label={label} value={0} max={null} detail="working…" />
    </div>
  );
}
