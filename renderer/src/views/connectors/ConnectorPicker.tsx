import type { Connector } from '../../../../shared/contract';
import { useCall } from '../../state/api-context';
import { selectConnector, useSelectedConnector } from './selection';

/**
 * The connector the monitor, preview and logs views work on: the same selection everywhere.
 * Returns the picker element and the selected connector.
 */
export function useConnectorPicker(): { picker: React.ReactNode; connector: Connector | undefined; loading: boolean } {
  const list = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });
  const connectors = list.state === 'ready' ? list.value : undefined;
  const connector = useSelectedConnector(connectors);
  const picker =
    connectors && connectors.length > 0 ? (
      <label className="connector-picker">
        <span>Connector</span>
        <select value={connector?.id ?? ''} onChange={(e) => selectConnector(e.target.value)} data-testid="connector-picker">
          {connectors.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
    ) : null;
  return { picker, connector, loading: list.state === 'loading' };
}

export function NoConnector() {
  return (
    <section className="view empty-state">
      <h1>No connector yet</h1>
      <p className="lead">
        Set up a connector first: open <strong>Connectors</strong> in the activity bar.
      </p>
    </section>
  );
}
