import { useId, useState } from 'react';
import type { AppInfo } from '../../../../shared/contract';
import { Button } from '../../components/Button';
import { navigate } from '../../shell/navigation';
import { useCall } from '../../state/api-context';
import { Requirements } from './Requirements';
import { SetupGuide } from './SetupGuide';
import { TrySandbox } from './TrySandbox';
import './welcome.css';

/**
 * The first screen. Without a connector it says what a real pod and tenant need and offers the
 * three ways on: the wizard, a sandbox, the setup guide. With connectors it lists them and keeps the
 * same help one click away (the activity bar's first view, Ctrl+1, is always this one).
 */
export function WelcomeView() {
  const info = useCall('app.info', {});
  const connectors = useCall('connectors.list', {}, { refreshOn: ['connectors.changed'] });
  const [guide, setGuide] = useState(false);
  const guideId = useId().replace(/:/g, '');
  const ready = info.state === 'ready' ? info.value : undefined;
  const actions = (
    <div className="welcome-actions">
      {!ready?.sandbox && (
        <Button variant="primary" onClick={() => navigate('connectors', 'new-connector')}>
          Set up a connector
        </Button>
      )}
      {ready && <TrySandbox info={ready} />}
      <Button variant="ghost" aria-expanded={guide} aria-controls={guideId} onClick={() => setGuide((g) => !g)}>
        {guide ? 'Hide the setup guide' : 'Read the setup guide'}
      </Button>
    </div>
  );
  return (
    <section className="view welcome-view" aria-labelledby="welcome-title">
      <h1 id="welcome-title">Symphony Archiver</h1>
      <p className="lead">
        Captures every Symphony conversation and archives it into Microsoft 365 mailboxes, so that Litigation Hold, eDiscovery and retention cover it.
      </p>
      {ready?.sandbox && <InTheSandbox />}
      {connectors.state === 'loading' && <p>Loading…</p>}
      {connectors.state === 'error' && <p role="alert">{connectors.error.message}</p>}
      {connectors.state === 'ready' &&
        (connectors.value.length === 0 ? (
          <div data-testid="no-connectors" className="getting-started">
            <h2>Get started</h2>
            <p>No connector yet. A connector archives one Symphony pod into one Microsoft 365 tenant. Before you set one up you need:</p>
            <Requirements />
            {actions}
          </div>
        ) : (
          <>
            <h2>Connectors</h2>
            <ul>
              {connectors.value.map((c) => (
                <li key={c.id}>
                  {c.name}
                  {c.enabled ? '' : ' (disabled)'}
                </li>
              ))}
            </ul>
            {!ready?.sandbox && (
              <details className="requirements-again">
                <summary>What a real pod and tenant need</summary>
                <Requirements />
              </details>
            )}
            {actions}
          </>
        ))}
      {guide && <SetupGuide id={guideId} />}
      {ready && <Facts info={ready} />}
    </section>
  );
}

/** Where the officer is and what to do first, when the core runs a sandbox. */
function InTheSandbox() {
  return (
    <div className="sandbox-intro" data-testid="sandbox-intro">
      <h2>You are in the sandbox</h2>
      <ol>
        <li>
          In <em>Monitor</em>, press <em>Run now</em>: the real archiver captures the emulated trading floor, converts, maps and imports it.
        </li>
        <li>
          In <em>Sandbox tenant</em>, open a mailbox and see what landed in its <code>Inbox/Symphony</code>, as Outlook lists it.
        </li>
        <li>Turn on a failure there (a mailbox that refuses writes, throttling, a dropped pod, new people), run again, and see how the monitor reports it.</li>
      </ol>
      <div className="welcome-actions">
        <Button variant="primary" onClick={() => navigate('monitor')}>
          Go to the monitor
        </Button>
        <Button onClick={() => navigate('sandbox')}>Open the sandbox tenant</Button>
      </div>
    </div>
  );
}

function Facts({ info }: { info: AppInfo }) {
  return (
    <>
      <h2>About</h2>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{info.version}</dd>
        <dt>Data folder</dt>
        <dd>
          <code>{info.dataDir}</code>
        </dd>
        <dt>Logs</dt>
        <dd>
          <code>{info.logsDir}</code>
        </dd>
      </dl>
    </>
  );
}
