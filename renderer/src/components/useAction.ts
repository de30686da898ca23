import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArchiverError } from '../../../shared/errors';
import { toArchiverError } from '../state/api-context';

export interface Action<A extends unknown[], R> {
  run: (...args: A) => Promise<R | undefined>;
  busy: boolean;
  error: ArchiverError | null;
  result: R | undefined;
  clear: () => void;
}

/**
 * Runs one user action at a time and keeps its outcome for the view: busy while it runs, the
 * typed error if it failed (never thrown into React), the result otherwise.
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArchiverError | null>(null);
  const [result, setResult] = useState<R | undefined>(undefined);
  const live = useRef(true);
  const fnRef = useRef(fn);
  useEffect(() => {
    fnRef.current = fn;
  });
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      const value = await fnRef.current(...args);
      if (live.current) setResult(value);
      return value;
    } catch (e) {
      if (live.current) setError(toArchiverError(e));
      return undefined;
    } finally {
      if (live.current) setBusy(false);
    }
  }, []);
  const clear = useCallback(() => {
    setError(null);
    setResult(undefined);
  }, []);
  return { run, busy, error, result, clear };
}
