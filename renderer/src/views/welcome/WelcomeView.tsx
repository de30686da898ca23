import { Button } from '../../components/Button';
import { navigate } from '../../shell/navigation';
import { useCall } from '../../state/api-context';

/** First screen: what the archiver is, where its data lives, and the connectors it has. */
export function WelcomeView() {
  const info = useCall('app.info', {});
  const connectors = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });
  return (
    <section className="view" aria-labelledby="welcome-title">
      <h1 id="welcome-title">Symphony Archiver</h1>
      <p className="lead">
        Captures every Symphony conversation and archives it into Microsoft 365 mailboxes, so that Litigation Hold, eDiscovery and retention cover it.
      </p>
      {info.state === 'ready' && (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{info.value.version}</dd>
          <dt>Data folder</dt>
          <dd><code>{info.value.dataDir}</code></dd>
          <dt>Logs</dt>
          <dd><code>{info.value.logsDir}</code></dd>
        </dl>
      )}
      <h2>Connectors</h2>
      {connectors.state === 'loading' && <p>Loading…</p>}
      {connectors.state === 'error' && <p role="alert">{connectors.error.message}</p>}
      {connectors.state === 'ready' &&
        (connectors.value.length === 0 ? (
          <div data-testid="no-connectors">
            <p>No connector yet. A connector archives one Symphony pod into one Microsoft 365 tenant.</p>
            <Button variant="primary" onClick={() => navigate('connectors', 'new-connector')}>
              Set up a connector
            </Button>
          </div>
        ) : (
          <ul>
            {connectors.value.map((c) => (
              <li key={c.id}>{c.name}{c.enabled ? '' : ' (disabled)'}</li>
            ))}
          </ul>
        ))}
    </section>
  );
}
