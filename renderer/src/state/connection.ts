import { useSyncExternalStore } from 'react';

/**
 * The page's link to the core, as the connection banner shows it. `connected` counts the
 * successful (re)connections, so the API provider can refresh everything after each one.
 */
export type ConnectionState =
  | { status: 'connecting'; connected: number }
  | { status: 'connected'; connected: number }
  | { status: 'reconnecting'; connected: number; attempt: number; retryAt: number }
  /** The host answers but refuses this page: restarted with another access token. */
  | { status: 'refused'; connected: number };

export interface ConnectionStore {
  get(): ConnectionState;
  set(state: ConnectionState): void;
  subscribe(listener: () => void): () => void;
}

export function createConnectionStore(initial: ConnectionState = { status: 'connecting', connected: 0 }): ConnectionStore {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(next) {
      state = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** Electron's IPC never drops: its store stays connected. */
export const alwaysConnected: ConnectionStore = createConnectionStore({ status: 'connected', connected: 1 });

export function useConnectionState(store: ConnectionStore): ConnectionState {
  return useSyncExternalStore(store.subscribe, store.get);
}

/**
 * Exponential back-off with full jitter (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): 250 ms doubling up to 5 s, so a page left open while the host is down retries
 * about every few seconds without many pages hammering a restarting host at once.
 */
export function reconnectDelay(attempt: number, random = Math.random): number {
  const cap = Math.min(5000, 250 * 2 ** Math.min(attempt, 5));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
