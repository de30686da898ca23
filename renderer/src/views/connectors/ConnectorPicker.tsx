import type { Connector } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { navigate } from '../../shell/navigation';
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

/** The empty state of the views that need a connector: what is missing, and the button that fixes it. */
export function NoConnector({ what = 'This view shows a connector’s runs, items and logs.' }: { what?: string }) {
  return (
    <section className="view empty-state" data-testid="no-connector">
      <h1>No connector yet</h1>
      <p className="lead">{what} Set up a connector first: it takes a few minutes.</p>
      <Button variant="primary" onClick={() => navigate('connectors', 'new-connector')}>
        Set up a connector
      </Button>
    </section>
  );
}
