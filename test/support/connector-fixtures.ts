import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Connector, ConnectorSettings } from '../../shared/contract';
import type { SymphonySource } from '../../shared/contract/capture';
import type { MicrosoftSettings } from '../../shared/contract/import';
import type { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';

// A connector and its service key, with product code only: a process measured as the archiver
// (the day benchmark's) imports this, not the test world with its emulators.

export interface ConnectorOptions {
  /** The pod the connector reads (its URL and key); without it, the Symphony settings stay empty. */
  pod?: { url: string; keyPath: string };
  /** How the connector reads the pod (member streams unless told). */
  source?: SymphonySource;
  /** The tenant the connector writes to (its id and Graph URL; the client id `app`). */
  tenant?: { tenantId: string; url: string };
  /** Further Microsoft settings (import method, folder, mark-as-read…). */
  microsoft?: Partial<MicrosoftSettings>;
  name?: string;
  username?: string;
  /** An existing connector of that name is taken as it is (a store reopened by a test). */
  reuse?: boolean;
}

/** An RSA key pair for the service account; the private half as a PEM file, as an officer would have it. */
export function makeServiceKey(dir: string, bits = 2048): { privateKeyPath: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const privateKeyPath = path.join(dir, `service-${bits}-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`);
  fs.writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { privateKeyPath, publicKey };
}

/** The Microsoft settings that point a connector at an emulated tenant (client id `app`). */
export function tenantSettings(tenant: { tenantId: string; url: string }): Partial<MicrosoftSettings> {
  return { tenantId: tenant.tenantId, clientId: 'app', graphBaseUrl: tenant.url };
}

/** A connector in `store`: the pod (pod, agent and key manager on one address) and tenant it is given. */
export function addConnector(store: Store, options: ConnectorOptions = {}): Connector {
  const repo = new ConnectorRepository(store);
  const name = options.name ?? 'Emulated pod';
  const existing = options.reuse ? repo.findByName(name) : undefined;
  if (existing) return existing;
  const settings: Partial<ConnectorSettings> = {};
  if (options.pod) {
    settings.symphony = { podUrl: options.pod.url, agentUrl: '', keyManagerUrl: '', username: options.username ?? 'archiver-bot', privateKeyPath: options.pod.keyPath, proxyUrl: '', source: options.source ?? 'streams', streamTypes: ['IM', 'MIM', 'ROOM'], startDate: '' };
  }
  if (options.tenant || options.microsoft) settings.microsoft = { ...(options.tenant ? tenantSettings(options.tenant) : {}), ...options.microsoft } as MicrosoftSettings;
  return repo.create(name, settings);
}

/** The connector with its Symphony source changed (a test switching a store between readers). */
export function withSource(store: Store, connector: Connector, source: SymphonySource): Connector {
  const repo = new ConnectorRepository(store);
  const current = repo.get(connector.id);
  return repo.update(connector.id, { settings: { ...current.settings, symphony: { ...current.settings.symphony, source } } });
}
