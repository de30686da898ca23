import { useEffect, useState } from 'react';
import { Button } from '../../components/Button';
import { ErrorNotice } from '../../components/ErrorNotice';
import { SelectList, SideBar } from '../../components/SideBar';
import { ConnectorDetails } from './ConnectorDetails';
import { selectConnector, useSelectedConnector } from './selection';
import { useConnectors } from './useConnectors';
import { clearIntent, hasIntent } from '../../shell/navigation';
import { Wizard } from './wizard/Wizard';

type Mode = { kind: 'details' } | { kind: 'wizard'; isNew: boolean };

/** Side bar with the connectors; the editor shows the selected one or the setup wizard. */
export function ConnectorsView() {
  const connectors = useConnectors();
  const selected = useSelectedConnector(connectors.connectors);
  // "Set up a connector" pressed in another view's empty state opens the wizard here.
  const [mode, setMode] = useState<Mode>(() => (hasIntent('new-connector') ? { kind: 'wizard', isNew: true } : { kind: 'details' }));
  const list = connectors.connectors ?? [];
  useEffect(clearIntent, []);

  return (
    <div className="view-split">
      <SideBar
        title="Connectors"
        actions={
          <button className="icon-button" onClick={() => setMode({ kind: 'wizard', isNew: true })} aria-label="New connector" title="New connector">
            +
          </button>
        }
      >
        {connectors.list.state === 'error' && <ErrorNotice error={connectors.list.error} />}
        <SelectList
          label="Connectors"
          testId="connector-list"
          items={list.map((c) => ({
            id: c.id,
            label: c.name,
            badge: c.enabled ? undefined : 'disabled',
            description: hostOf(c.settings.symphony.podUrl) ?? 'not set up',
          }))}
          selectedId={mode.kind === 'wizard' && mode.isNew ? null : (selected?.id ?? null)}
          onSelect={(id) => {
            selectConnector(id);
            setMode({ kind: 'details' });
          }}
        />
      </SideBar>
      <div className="view-main">
        {mode.kind === 'wizard' ? (
          <Wizard
            key={mode.isNew ? 'new' : selected?.id}
            connector={mode.isNew ? null : (selected ?? null)}
            onDone={(c) => {
              selectConnector(c.id);
              setMode({ kind: 'details' });
            }}
            onCancel={() => setMode({ kind: 'details' })}
          />
        ) : selected ? (
          <ConnectorDetails connector={selected} actions={connectors} onEdit={() => setMode({ kind: 'wizard', isNew: false })} />
        ) : (
          connectors.list.state === 'ready' && (
            <section className="view empty-state">
              <h1>No connector yet</h1>
              <p className="lead">A connector archives one Symphony pod into one Microsoft 365 tenant. The setup takes a few minutes.</p>
              <Button variant="primary" onClick={() => setMode({ kind: 'wizard', isNew: true })}>
                Set up a connector
              </Button>
            </section>
          )
        )}
      </div>
    </div>
  );
}

function hostOf(url: string): string | undefined {
  try {
    return url ? new URL(url).host : undefined;
  } catch {
    return url;
  }
}
