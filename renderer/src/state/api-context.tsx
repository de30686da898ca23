import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { ArchiverApi, CallName, EventName, InputOf, OutputOf, PayloadOf } from '../../../shared/contract';
import { ArchiverError } from '../../../shared/errors';
import { alwaysConnected, useConnectionState, type ConnectionStore } from './connection';

const ApiContext = createContext<ArchiverApi | undefined>(undefined);
const ConnectionContext = createContext<ConnectionStore>(alwaysConnected);

/**
 * Provides the API and the connection state. After every reconnection the API object is
 * replaced by an equal one: every hook that loads through it (useCall, useEvent and the views'
 * own effects, which all depend on `api`) loads again, so the page shows the core's state after
 * the outage, while what the officer typed (component state) stays.
 */
export function ApiProvider({ api, connection = alwaysConnected, children }: { api: ArchiverApi; connection?: ConnectionStore; children: ReactNode }) {
  const { connected } = useConnectionState(connection);
  const value = useMemo<ArchiverApi>(() => ({ ...api }), [api, connected]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <ConnectionContext.Provider value={connection}>
      <ApiContext.Provider value={value}>{children}</ApiContext.Provider>
    </ConnectionContext.Provider>
  );
}

export function useConnection(): ConnectionStore {
  return useContext(ConnectionContext);
}

export function useApi(): ArchiverApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiProvider');
  return api;
}

export type Loadable<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: ArchiverError };

/** Calls the contract and re-calls it when `deps` change or `refreshOn` events arrive. */
export function useCall<N extends CallName>(name: N, input: InputOf<N>, options: { deps?: unknown[]; refreshOn?: EventName[] } = {}): Loadable<OutputOf<N>> & { reload: () => void } {
  const api = useApi();
  const [state, setState] = useState<Loadable<OutputOf<N>>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(input);
  useEffect(() => {
    let live = true;
    api.invoke(name, input).then(
      (value) => live && setState({ state: 'ready', value }),
      (error: unknown) => live && setState({ state: 'error', error: toArchiverError(error) }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, name, key, tick, ...(options.deps ?? [])]);
  useEffect(() => {
    const offs = (options.refreshOn ?? []).map((event) => api.on(event, () => setTick((t) => t + 1)));
    return () => offs.forEach((off) => off());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, (options.refreshOn ?? []).join(',')]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function useEvent<E extends EventName>(event: E, listener: (payload: PayloadOf<E>) => void) {
  const api = useApi();
  useEffect(() => api.on(event, listener), [api, event, listener]);
}

export function toArchiverError(error: unknown): ArchiverError {
  if (error instanceof ArchiverError) return error;
  return new ArchiverError({ code: 'internal', message: error instanceof Error ? error.message : String(error) });
}
