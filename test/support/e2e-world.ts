import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import type { MailboxState } from '../../electron/sandbox/emulators/graph/model';
import type { GraphEmulator } from '../../electron/sandbox/emulators/graph/server';
import type { OidcProviderHandle } from '../../electron/sandbox/emulators/oidc/provider';
import type { SymphonyEmulator, SymphonyEmulatorOptions } from '../../electron/sandbox/emulators/symphony';
import { serveApp, type ServedApp } from './browser';
import { TestWorld } from './world';

/**
 * Everything an officer's session talks to, on 127.0.0.1, made of a TestWorld's pieces: a Symphony
 * pod, an OpenID provider standing in for Entra ID, the Graph emulator trusting its tokens (with a
 * mailbox for every internal pod user except `withoutMailbox`, in the state `mailboxStates` gives),
 * and the app behind the browser host. Interactive sign-in opens Microsoft's page in a second tab
 * of the test's Chromium, as the system browser would. `stop()` disposes the world.
 */
export interface World {
  app: ServedApp;
  pod: SymphonyEmulator;
  oidc: OidcProviderHandle;
  graph: GraphEmulator;
  graphUrl: string;
  keyPath: string;
  /** Sign-in pages the "system browser" was asked to open. */
  signInUrls: string[];
  stop(): Promise<void>;
}

export async function startWorld(options: { pod: SymphonyEmulatorOptions; browser: () => Browser; withoutMailbox?: string[]; mailboxStates?: Record<string, MailboxState> }): Promise<World> {
  const world = new TestWorld('archiver-e2e-');
  try {
    const pod = await world.pod(options.pod);
    const oidc = await world.oidc();
    const tenant = await world.tenant({ tenantId: oidc.tenantId, issuers: [{ issuer: oidc.issuer, jwks: oidc.jwks }] });
    // Here the UPN is the pod's e-mail address (the default mapping's case); the pipeline tests'
    // tenant (addPodMailboxes) differs on purpose, so that mapping by address is exercised too.
    for (const user of pod.emulator.pod.users.values()) {
      if (user.external || options.withoutMailbox?.includes(user.email)) continue;
      tenant.emulator.directory.addUser({ userPrincipalName: user.email, displayName: user.displayName, mailbox: options.mailboxStates?.[user.email] ?? 'enabled' });
    }
    tenant.emulator.directory.addUser({ userPrincipalName: 'officer@corp.example', displayName: 'Compliance Officer' });
    const signInUrls: string[] = [];
    const app = await serveApp({
      openBrowser: async (url) => {
        signInUrls.push(url);
        // The provider's certificate is made for the test; the "system browser" accepts it.
        const context = await options.browser().newContext({ ignoreHTTPSErrors: true });
        const page = await context.newPage();
        // MSAL waits for the redirect to its loopback server; the tab closes itself afterwards.
        void page.goto(url).then(
          () => page.waitForURL(/^http:\/\/localhost:\d+/, { timeout: 30_000 }).finally(() => context.close()),
          () => context.close(),
        );
      },
    });
    world.defer(() => app.close());
    return { app, pod: pod.emulator, oidc, graph: tenant.emulator, graphUrl: tenant.url, keyPath: pod.keyPath, signInUrls, stop: () => world.dispose() };
  } catch (error) {
    await world.dispose();
    throw error;
  }
}

/** Trusts the test provider's TLS certificate for the connector's current Microsoft settings (an enterprise root, in real life). */
export function trustTestProvider(world: World, connectorId: string): void {
  world.app.core.graph.authFor(world.app.core.connectors.get(connectorId)).trustCa(world.oidc.tlsCert);
}

/** Messages the Graph emulator holds, over every mailbox. */
export function graphMessageCount(world: World): number {
  let n = 0;
  for (const mailbox of world.graph.directory.mailboxes.values()) n += mailbox.messages.size;
  return n;
}

/**
 * A connector set up through the contract (the wizard has its own tests): the world's pod, and
 * unattended certificate sign-in to the world's tenant, signed in once as the wizard's
 * "Test sign-in" does.
 */
export async function createCertificateConnector(world: World, name: string, extra: { mapping?: Record<string, unknown> } = {}): Promise<string> {
  const { app, oidc, graphUrl, pod, keyPath } = world;
  const certificatePath = `${app.dataDir}/app-${Date.now()}.pem`;
  fs.writeFileSync(certificatePath, oidc.clientCertificatePem);
  const connector = await app.core.dispatcher.invoke('connectors.create', {
    name,
    settings: {
      symphony: { podUrl: pod.url, username: 'archiver-bot', privateKeyPath: keyPath },
      microsoft: { tenantId: oidc.tenantId, clientId: oidc.daemonClientId, authMode: 'certificate', certificatePath, authorityHost: oidc.host, graphBaseUrl: graphUrl },
      ...(extra.mapping ? { mapping: extra.mapping } : {}),
      schedule: { enabled: false },
    },
  });
  trustTestProvider(world, connector.id);
  await app.core.dispatcher.invoke('auth.signIn', { connectorId: connector.id });
  return connector.id;
}
