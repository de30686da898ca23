import type { Connector } from '../../shared/contract';
import type { SymphonySource } from '../../shared/contract/capture';
import type { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { canonicalJson, parseJson } from '../../electron/core/symphony/json';
import { makeConnector } from './capture-fixtures';
import { bigintJson } from '../../electron/sandbox/emulators/symphony/content';
import type { PodState } from '../../electron/sandbox/emulators/symphony';
import { v4Message } from '../../electron/sandbox/emulators/symphony/views';

/** A connector reading the emulator through the given source (Datahose unless told). */
export function makeSourceConnector(store: Store, podUrl: string, privateKeyPath: string, source: SymphonySource = 'datahose', name = 'Emulated pod'): Connector {
  const connector = makeConnector(store, podUrl, privateKeyPath, name);
  return setSource(store, connector, source);
}

export function setSource(store: Store, connector: Connector, source: SymphonySource): Connector {
  const repo = new ConnectorRepository(store);
  const current = repo.get(connector.id);
  return repo.update(connector.id, { settings: { ...current.settings, symphony: { ...current.settings.symphony, source } } });
}

/** The canonical source JSON the member reader would store for a pod message (wire JSON parsed back). */
export function expectedSourceJson(pod: PodState, messageId: string): string {
  for (const stream of pod.streams.values()) {
    const m = stream.messages.find((x) => x.id === messageId);
    if (m) return canonicalJson(parseJson(bigintJson(v4Message(pod, stream, m))));
  }
  throw new Error(`no message ${messageId}`);
}

/** Message ids stored for a connector, sorted. */
export function storedMessageIds(store: Store, connectorId: string): string[] {
  return (store.db.prepare('SELECT message_id FROM items WHERE connector_id = ? ORDER BY message_id').all(connectorId) as { message_id: string }[]).map((r) => r.message_id);
}
