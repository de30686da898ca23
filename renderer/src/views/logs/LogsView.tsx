import { useState } from 'react';
import { Tabs } from '../../components/Tabs';
import { NoConnector, useConnectorPicker } from '../connectors/ConnectorPicker';
import { AppLog } from './AppLog';
import { ItemLog } from './ItemLog';
import './logs.css';

/** The item log of a connector (with run downloads) and the application log. */
export function LogsView() {
  const { picker, connector, loading } = useConnectorPicker();
  const [tab, setTab] = useState('items');
  return (
    <section className="view logs" aria-labelledby="logs-title">
      <div className="view-header">
        <h1 id="logs-title">Logs</h1>
        {tab === 'items' && picker}
      </div>
      <Tabs
        label="Logs"
        active={tab}
        onChange={setTab}
        tabs={[
          { id: 'items', label: 'Item log' },
          { id: 'app', label: 'Application log' },
        ]}
      >
        {tab === 'items' && (connector ? <ItemLog key={connector.id} connectorId={connector.id} /> : !loading && <NoConnector />)}
        {tab === 'app' && <AppLog />}
      </Tabs>
    </section>
  );
}
