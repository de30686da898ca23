import type { KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Connector } from '../../shared/contract';
import { GraphClient, type GraphClientOptions } from '../../electron/core/graph/client';
import { MailboxThrottle, outlookLimits, type ThrottleLimits } from '../../electron/core/graph/throttle';
import { Core, type CoreOptions } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { appPaths, ensureAppPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { GraphEmulator, type GraphEmulatorOptions } from '../../electron/sandbox/emulators/graph/server';
import { startOidcProvider, type OidcProviderHandle } from '../../electron/sandbox/emulators/oidc/provider';
import { SymphonyEmulator, type SymphonyEmulatorOptions } from '../../electron/sandbox/emulators/symphony';
import { makeTempDir } from './tmp';
import { addConnector, makeServiceKey, type ConnectorOptions } from './connector-fixtures';

export { addConnector, makeServiceKey, tenantSettings, withSource, type ConnectorOptions } from './connector-fixtures';

/** A pod the archiver may read: the emulator, with a service-account key registered and written as a PEM file. */
export interface TestPod {
  emulator: SymphonyEmulator;
  url: string;
  keyPath: string;
}

/** A Microsoft 365 tenant: the Graph emulator and the mailboxes a test asked for. */
export interface TestTenant {
  emulator: GraphEmulator;
  url: string;
  tenantId: string;
  /** `user000@corp.example`… in order, when the test asked for numbered mailboxes. */
  mailboxes: string[];
}

export interface TenantOptions extends GraphEmulatorOptions {
  /** Numbered mailboxes `user000@corp.example`, `user001@…` (what the importer's tests deliver to). */
  mailboxes?: number;
}


/**
 * The one test world: a temporary folder and whatever a test takes from it — a Symphony pod, a
 * Microsoft 365 tenant (optionally trusting an OpenID provider), the core, stores, connectors, Graph clients
 * and the recipes built from them (test/support/world-recipes.ts). Each piece is disposed once, in
 * reverse order of creation, by `dispose()` (an afterAll/afterEach) or by `await using`.
 */
export class TestWorld implements AsyncDisposable {
  readonly dir: string;
  private readonly undo: Array<() => unknown> = [];
  private readonly removeDir: () => void;
  private disposed = false;

  constructor(prefix?: string) {
    const temp = makeTempDir(prefix);
    this.dir = temp.dir;
    this.removeDir = temp.cleanup;
  }

  /** A path inside the world's folder. */
  path(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  /** Runs `cleanup` on dispose, before everything registered earlier. */
  defer(cleanup: () => unknown): void {
    if (this.disposed) throw new Error('This test world is disposed: make a new one.');
    this.undo.push(cleanup);
  }

  /** Stops and closes everything the world started, then removes its folder; every cleanup runs even when one fails. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const cleanup of this.undo.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    this.removeDir();
    if (errors.length > 0) throw new AggregateError(errors, `The test world in ${this.dir} did not close cleanly.`);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** A Symphony pod with the service account's key (a fresh RSA pair) registered. */
  async pod(options: SymphonyEmulatorOptions, keyBits = 2048): Promise<TestPod> {
    const emulator = await SymphonyEmulator.start(options);
    this.defer(() => emulator.stop());
    const key = this.serviceKey(keyBits);
    emulator.registerKey(key.publicKey);
    return { emulator, url: emulator.url, keyPath: key.privateKeyPath };
  }

  /** An RSA key pair for a service account, the private half as a PEM file in the world's folder. */
  serviceKey(bits = 2048): { privateKeyPath: string; publicKey: KeyObject } {
    return makeServiceKey(this.dir, bits);
  }

  /** A Microsoft 365 tenant (the Graph emulator), with `mailboxes` numbered mailboxes. */
  async tenant(options: TenantOptions = {}): Promise<TestTenant> {
    const { mailboxes: count = 0, ...emulatorOptions } = options;
    const emulator = new GraphEmulator(emulatorOptions);
    const url = await emulator.start();
    this.defer(() => emulator.stop());
    return { emulator, url, tenantId: emulator.tenantId, mailboxes: addNumberedMailboxes(emulator, count) };
  }

  /** An OpenID provider standing in for Entra ID (a tenant trusts it through `issuers`). */
  async oidc(): Promise<OidcProviderHandle> {
    const oidc = await startOidcProvider();
    this.defer(() => oidc.stop());
    return oidc;
  }

  /** The archiver's core (store, services, contract dispatcher) over `dir`, relative to the world's folder (the folder itself unless told). */
  core(options: Partial<CoreOptions> & { dir?: string } = {}): Core {
    const { dir = '', ...rest } = options;
    const core = new Core({ dataDir: path.resolve(this.dir, dir), host: 'test', logger: silentLogger, ...rest });
    this.defer(() => core.dispose());
    return core;
  }

  /** A store (a real SQLite file) at `file`, relative to the world's folder unless absolute. */
  store(file = 'archiver.db'): Store {
    const full = path.resolve(this.dir, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    const store = Store.open(full);
    this.defer(() => store.dispose());
    return store;
  }

  /** A connector in `store` reading `pod` and writing to `tenant`, as far as the test gives them. */
  connector(store: Store, options: ConnectorOptions = {}): Connector {
    return addConnector(store, options);
  }

  /**
   * A Graph client for `tenant` with a token the emulator minted, Outlook's limits (or `limits`, or
   * the test's own throttle) and short retries unless told: a test waits for state, not for backoff.
   */
  async graphClient(tenant: TestTenant, options: Partial<Omit<GraphClientOptions, 'baseUrl'>> & { limits?: Partial<ThrottleLimits> } = {}): Promise<GraphClient> {
    const { limits, ...client } = options;
    const token = await tenant.emulator.mintToken();
    return new GraphClient({
      baseUrl: tenant.url,
      getToken: async () => token,
      throttle: client.throttle ?? new MailboxThrottle({ ...outlookLimits, ...limits }),
      requestTimeoutMs: 30_000,
      retry: { baseMs: 20, maxMs: 500 },
      ...client,
    });
  }
}


/** The UPNs of `count` numbered mailboxes, `user000@corp.example`… in order (the importer's tests and benchmark deliver to them). */
export function numberedMailboxes(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `user${String(i).padStart(3, '0')}@corp.example`);
}

/** `count` numbered mailboxes added to the tenant; their UPNs in order. */
export function addNumberedMailboxes(emulator: GraphEmulator, count: number): string[] {
  const mailboxes = numberedMailboxes(count);
  for (const upn of mailboxes) emulator.directory.addUser({ userPrincipalName: upn });
  return mailboxes;
}

/**
 * A mailbox for each of the pod's internal people (in user-id order, those `has` keeps) and, unless
 * told otherwise, for the archiver's service account, which is a member of every conversation it
 * reads (else every item would wait for it, as for any internal participant without a mailbox).
 * The UPN is `username@tenant.example`, the pod's e-mail address the mailbox's `mail`: the mapping
 * must match by address, not by UPN. Returns lowercased e-mail → UPN.
 */
export function addPodMailboxes(emulator: GraphEmulator, pod: SymphonyEmulator, options: { has?: (index: number) => boolean; serviceAccount?: boolean } = {}): Map<string, string> {
  const { has = () => true, serviceAccount = true } = options;
  const tenant = new Map<string, string>();
  const add = (u: { username: string; email: string; displayName: string }) => {
    const upn = `${u.username}@tenant.example`.toLowerCase();
    emulator.directory.addUser({ userPrincipalName: upn, mail: u.email, displayName: u.displayName });
    tenant.set(u.email.toLowerCase(), upn);
  };
  if (serviceAccount) add(pod.pod.serviceAccount);
  [...pod.pod.users.values()]
    .filter((u) => !u.external && u.accountType === 'NORMAL')
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .forEach((u, i) => {
      if (has(i)) add(u);
    });
  return tenant;
}


/**
 * A data folder for runs in child processes: the app's folders and one connector to the pod and
 * the tenant, the store closed again (each child opens it as the app would).
 */
export function prepareDataDir(dataDir: string, options: ConnectorOptions): { dataDir: string; connectorId: string } {
  const store = Store.open(ensureAppPaths(appPaths(dataDir)).database);
  try {
    return { dataDir, connectorId: addConnector(store, options).id };
  } finally {
    store.dispose();
  }
}


