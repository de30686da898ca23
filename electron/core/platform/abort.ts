/**
 * One 'abort' listener per signal, however many waiters: a run's signal is shared by every retry
 * that waits at once (hundreds of deliveries backing off), and one listener each would pass Node's
 * limit of 10 and print a MaxListenersExceededWarning on every busy run. Each waiter registers a
 * callback here and removes it when its wait ends, so nothing accumulates either.
 */
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts; the returned function unregisters it. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let set = waiters.get(signal);
  if (!set) {
    const created = new Set<() => void>();
    set = created;
    waiters.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        waiters.delete(signal);
        for (const waiter of [...created]) waiter();
        created.clear();
      },
      { once: true },
    );
  }
  const registered = set;
  registered.add(fn);
  return () => registered.delete(fn);
}

/** How many waiters a signal has (tests). */
export function abortWaiters(signal: AbortSignal): number {
  return waiters.get(signal)?.size ?? 0;
}
