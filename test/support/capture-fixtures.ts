import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Connector } from '../../shared/contract';
import type { Store } from '../../electron/core/store/database';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';

/** An RSA key pair for the service account; the private half as a PEM file, as an officer would have it. */
export function makeServiceKey(dir: string, bits = 2048): { privateKeyPath: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const privateKeyPath = path.join(dir, `service-${bits}-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`);
  fs.writeFileSync(privateKeyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { privateKeyPath, publicKey };
}

/** A connector pointing at the emulator (pod, agent and key manager on one address). */
export function makeConnector(store: Store, podUrl: string, privateKeyPath: string, name = 'Emulated pod', username = 'archiver-bot'): Connector {
  return new ConnectorRepository(store).create(name, {
    symphony: { podUrl, agentUrl: '', keyManagerUrl: '', username, privateKeyPath, proxyUrl: '', source: 'streams', streamTypes: ['IM', 'MIM', 'ROOM'], startDate: '' },
  });
}
