import { useEffect } from 'react';

/**
 * Moves the officer to another view from inside one (an empty state's "Set up a connector"
 * button), optionally with something to do there. The shell listens; the view that acts on
 * an intent checks it while mounting (`hasIntent`) and clears it once mounted (`clearIntent`),
 * so a later visit does not repeat it (and React's double render in development sees it twice).
 */
export type Intent = 'new-connector';

const listeners = new Set<(viewId: string) => void>();
let pendingIntent: Intent | null = null;

export function navigate(viewId: string, intent: Intent | null = null): void {
  pendingIntent = intent;
  for (const l of listeners) l(viewId);
}

export function hasIntent(intent: Intent): boolean {
  return pendingIntent === intent;
}

export function clearIntent(): void {
  pendingIntent = null;
}

export function useNavigationListener(select: (viewId: string) => void): void {
  useEffect(() => {
    listeners.add(select);
    return () => {
      listeners.delete(select);
    };
  }, [select]);
}
