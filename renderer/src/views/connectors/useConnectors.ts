import { useCallback } from 'react';
import { useApi, useCall } from '../../state/api-context';
import { selectConnector } from './selection';

/** The connector list (refreshed on `connectors.changed`) and the actions on one connector. */
export function useConnectors() {
  const api = useApi();
  const list = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });

  const rename = useCallback((id: string, name: string) => api.invoke('connectors.update', { id, name }), [api]);
  const setEnabled = useCallback((id: string, enabled: boolean) => api.invoke('connectors.update', { id, enabled }), [api]);
  const remove = useCallback(
    async (id: string) => {
      const result = await api.invoke('connectors.delete', { id });
      selectConnector(null);
      return result;
    },
    [api],
  );
  return { list, connectors: list.state === 'ready' ? list.value : undefined, rename, setEnabled, remove };
}
