import { useEffect, useSyncExternalStore } from 'react';
import type { Connector } from '../../../../shared/contract';

/**
 * The connector the officer is working on, shared by the connectors, monitor, preview and logs
 * views (GitHub Desktop's "selected repository"); remembered across reloads.
 */
const KEY = 'archiver.connector';
const listeners = new Set<() => void>();
let selected: string | null = readSaved();

function readSaved(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function selectConnector(id: string | null): void {
  if (id === selected) return;
  selected = id;
  try {
    if (id) localStorage.setItem(KEY, id);
    else localStorage.removeItem(KEY);
  } catch {
    // Storage may be unavailable (private mode); the selection then lasts for the session.
  }
  for (const l of listeners) l();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSelectedConnectorId(): string | null {
  return useSyncExternalStore(subscribe, () => selected);
}

/** The selected connector among `connectors`, falling back to the first when the saved one is gone. */
export function useSelectedConnector(connectors: Connector[] | undefined): Connector | undefined {
  const id = useSelectedConnectorId();
  const found = connectors?.find((c) => c.id === id);
  const fallback = found ?? connectors?.[0];
  useEffect(() => {
    if (connectors && !found) selectConnector(fallback?.id ?? null);
  }, [connectors, found, fallback]);
  return fallback;
}

/** Sign-in changes have no core event; the wizard announces them here so the status bar refreshes. */
const authListeners = new Set<() => void>();
let authVersion = 0;
export function notifyAuthChanged(): void {
  authVersion++;
  for (const l of authListeners) l();
}
export function useAuthVersion(): number {
  return useSyncExternalStore(
    (l) => {
      authListeners.add(l);
      return () => authListeners.delete(l);
    },
    () => authVersion,
  );
}
