import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxState } from '../../shared/contract';
import { GraphEmulator } from './emulators/graph/server';
import { startOidcProvider, type OidcProviderHandle } from './emulators/oidc/provider';
import { SymphonyEmulator } from './emulators/symphony';
import type { Core } from '../core/app/core';
import { addPeople, floorOptions, furnish, sendMessages, type SandboxSize } from './trading-floor';

/**
 * The sandbox's world, in the host's process: an emulated Symphony pod, an OpenID provider
 * standing in for Entra ID and an emulated Microsoft 365 tenant trusting its tokens. The archiver
 * talks to them over HTTP exactly as to the real services: the same client, sign-in (MSAL with a
 * certificate), converter, mapper and importer. Only the far ends are make-believe.
 */
export interface SandboxWorld {
  pod: SymphonyEmulator;
  oidc: OidcProviderHandle;
  tenant: GraphEmulator;
  graphUrl: string;
  /** The service account's RSA key and the app's certificate, in the sandbox folder. */
  keyPath: string;
  certificatePath: string;
  state(): SandboxState;
  refuseWrites(userPrincipalName: string, on: boolean): void;
  throttle(on: boolean): void;
  dropPod(seconds: number): void;
  addPeople(count: number): void;
  sendMessages(count: number): void;
  stop(): Promise<void>;
}

export async function startSandboxWorld(dir: string, size: SandboxSize = 'full'): Promise<SandboxWorld> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const options = floorOptions(size);
  const pod = await SymphonyEmulator.start({ ...options, datahose: { feedStart: 'beginning' } });
  furnish(pod.pod, size);
  const oidc = await startOidcProvider();
  // The archive's mailboxes take items up to 150 MB, as the setup guide asks Exchange admins to set
  // them (Exchange Online's default is 35 MB, docs/decisions/message-size.md): the floor's 100 MB
  // recording would be refused otherwise.
  const tenant = new GraphEmulator({ tenantId: oidc.tenantId, issuers: [{ issuer: oidc.issuer, jwks: oidc.jwks }], latencyMs: 20, limits: { maxItemBytes: 150 * 1024 * 1024 } });
  const graphUrl = await tenant.start();
  addMailboxes(pod, tenant);
  tenant.directory.addUser({ userPrincipalName: 'compliance.officer@acmecapital.example.com', displayName: 'Compliance Officer' });
  const { keyPath, certificatePath } = writeCredentials(dir, pod, oidc);
  const { dispose, ...sandboxControls } = controls(pod, tenant);
  return {
    pod,
    oidc,
    tenant,
    graphUrl,
    keyPath,
    certificatePath,
    ...sandboxControls,
    async stop() {
      dispose();
      await tenant.stop();
      await oidc.stop();
      await pod.stop();
    },
  };
}

/** Every internal account of the pod gets a mailbox (once). */
function addMailboxes(pod: SymphonyEmulator, tenant: GraphEmulator): void {
  for (const user of pod.pod.users.values()) {
    // Bots included: the archiver's own service account and the market-data bot are members of
    // conversations too; a bank gives them a journal mailbox.
    if (user.external) continue;
    if ([...tenant.directory.users.values()].some((u) => u.userPrincipalName === user.email)) continue;
    tenant.directory.addUser({ userPrincipalName: user.email, displayName: user.displayName });
  }
}

/** The service account's RSA key (registered with the pod) and the app's certificate, in the sandbox folder. */
function writeCredentials(dir: string, pod: SymphonyEmulator, oidc: OidcProviderHandle): { keyPath: string; certificatePath: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPath = path.join(dir, 'service-account.pem');
  fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  pod.registerKey(publicKey);
  const certificatePath = path.join(dir, 'app-certificate.pem');
  fs.writeFileSync(certificatePath, oidc.clientCertificatePem, { mode: 0o600 });
  return { keyPath, certificatePath };
}

type SandboxControls = Pick<SandboxWorld, 'state' | 'refuseWrites' | 'throttle' | 'dropPod' | 'addPeople' | 'sendMessages'>;

/** The sandbox's state and its failure controls (docs/sandbox.md); `dispose` ends a pending pod restore. */
function controls(pod: SymphonyEmulator, tenant: GraphEmulator): SandboxControls & { dispose(): void } {
  const refusing = new Set<string>();
  let throttled = false;
  let offlineUntil = 0;
  let restore: ReturnType<typeof setTimeout> | undefined;
  const userByUpn = (upn: string) => [...tenant.directory.users.values()].find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
  return {
    state: () => ({
      mailboxes: [...tenant.directory.mailboxes.values()]
        .map((m) => ({
          userPrincipalName: m.user.userPrincipalName,
          displayName: m.user.displayName,
          items: [...m.messages.values()].filter((x) => m.folders.get(x.folderId)?.displayName === 'Symphony').length,
          refusesWrites: refusing.has(m.user.userPrincipalName.toLowerCase()),
        }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName)),
      throttled,
      podOfflineUntil: offlineUntil > Date.now() ? new Date(offlineUntil).toISOString() : null,
      podPeople: [...pod.pod.users.values()].filter((u) => u.accountType === 'NORMAL').length,
      podMessages: [...pod.pod.streams.values()].reduce((n, s) => n + s.messages.length, 0),
    }),
    refuseWrites(upn, on) {
      const user = userByUpn(upn);
      if (!user) throw new Error(`The sandbox tenant has no mailbox ${upn}.`);
      // Exchange answers a mailbox outside the app's RBAC scope with 403 access denied.
      user.mailbox = on ? 'denied' : 'enabled';
      if (on) refusing.add(user.userPrincipalName.toLowerCase());
      else refusing.delete(user.userPrincipalName.toLowerCase());
    },
    throttle(on) {
      throttled = on;
      tenant.setFaults(on ? { rate: 0.3, kinds: ['429'] } : undefined);
    },
    dropPod(seconds) {
      offlineUntil = Date.now() + seconds * 1000;
      pod.goOffline(seconds * 1000);
      clearTimeout(restore);
      restore = setTimeout(() => (offlineUntil = 0), seconds * 1000);
    },
    addPeople(count) {
      addPeople(pod.pod, count);
      addMailboxes(pod, tenant);
    },
    sendMessages: (count) => sendMessages(pod.pod, count),
    dispose: () => clearTimeout(restore),
  };
}

/**
 * The sandbox's two connectors, made through the contract as the wizard would: member streams
 * and Datahose, both signing in to the emulated tenant with the app's certificate.
 */
export async function connectSandbox(core: Core, world: SandboxWorld): Promise<string[]> {
  const made: string[] = [];
  for (const [name, source] of [
    // Listed by name: the enabled one comes first. Enable only one of the two at a time: two
    // connectors on one pod and tenant would each archive every message.
    ['Trading floor (member streams)', 'streams'],
    ['Trading floor via Datahose', 'datahose'],
  ] as const) {
    const connector = await core.dispatcher.invoke('connectors.create', {
      name,
      enabled: source === 'streams',
      settings: {
        symphony: { podUrl: world.pod.url, username: 'archiver-bot', privateKeyPath: world.keyPath, source },
        microsoft: { tenantId: world.oidc.tenantId, clientId: world.oidc.daemonClientId, authMode: 'certificate', certificatePath: world.certificatePath, authorityHost: world.oidc.host, graphBaseUrl: world.graphUrl },
        schedule: { enabled: false },
      },
    } as never);
    // The provider's TLS certificate is the sandbox's own: trusted as an enterprise root would be.
    core.graph.authFor(core.connectors.get(connector.id)).trustCa(world.oidc.tlsCert);
    made.push(connector.id);
  }
  return made;
}
