import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { microsoftSettingsSchema, reasonWords } from '../../shared/contract';
import { RunRepository } from '../../electron/core/store/repos/runs';
import { GraphAuth } from '../../electron/core/graph/auth/msal';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import { NodeSecretCipher } from '../../electron/core/platform/secrets';
import { EXIT, summarise, type CliIo } from '../../electron/host/cli';
import type { OidcProviderHandle } from '../../electron/sandbox/emulators/oidc/provider';
import { automateBrowser } from '../support/import-browser';
import { startRealWorld, type RealWorld } from '../support/world-recipes';
import { TestWorld } from '../support/world';
import { ledgerCounts, outcomeCounts } from '../support/store-reads';

const MESSAGES = 200;

/**
 * The interactive sign-in lost in the middle of a run, over the real stages, both emulators and a
 * real OpenID provider (MSAL, PKCE, the sealed token cache): the officer's token cache file is
 * deleted while deliveries are going out. The run must stop its Graph stage at once — not retry
 * thousands of deliveries with back-off — and end `needs-sign-in` with the fix, leaving every open
 * delivery open; after signing in again, the next run finishes the work, every message once.
 */
describe('a run whose interactive sign-in is lost', () => {
  const temp = new TestWorld();
  let oidc: OidcProviderHandle;
  let world: RealWorld;
  let auth: GraphAuth;
  const cacheFile = () => path.join(temp.dir, 'secrets', 'msal-sign-in-test.bin');

  /** The officer signs in (the provider's pages played by automateBrowser). */
  async function signIn(): Promise<void> {
    const status = await auth.signIn();
    expect(status).toMatchObject({ signedIn: true, mode: 'interactive' });
  }

  beforeAll(async () => {
    oidc = await temp.oidc();
    const settings = microsoftSettingsSchema.parse({ tenantId: oidc.tenantId, clientId: oidc.publicClientId, authMode: 'interactive', authorityHost: oidc.host });
    const secrets = path.join(temp.dir, 'secrets');
    auth = new GraphAuth({
      connectorId: 'sign-in-test',
      settings,
      secretsDir: secrets,
      cipher: new NodeSecretCipher(secrets),
      tlsCa: oidc.tlsCert,
      openBrowser: async (url) => {
        void automateBrowser(url, oidc.tlsCert);
      },
    });
    world = await startRealWorld(temp, {
      symphony: { seed: 'sign-in-lost', conversations: 6, messages: MESSAGES, attachments: 0, internalUsers: 8, externalUsers: 1 },
      graph: {
        emulator: { tenantId: oidc.tenantId, issuers: [{ issuer: oidc.issuer, jwks: oidc.jwks }], latencyMs: 5 },
        getToken: () => () => auth.getToken(),
        retry: { baseMs: 20, maxMs: 200 },
      },
    });
  });
  afterAll(() => temp.dispose());

  /** (archive key, mailbox) → copies in the Graph emulator. */
  function landed(): Map<string, number> {
    const pairs = new Map<string, number>();
    for (const { user, message } of world.graphEmulator.directory.allMessages()) {
      const key = `${message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value} -> ${user.userPrincipalName}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
    return pairs;
  }

  it('stops at once with needs-sign-in, leaves open deliveries open, and finishes after signing in again', async () => {
    await signIn();
    expect(fs.existsSync(cacheFile())).toBe(true);

    // Delete the cache once some deliveries have landed (state, not time).
    let requestsAtLoss = -1;
    const watcher = setInterval(() => {
      if (requestsAtLoss < 0 && world.graphEmulator.counters.created >= 15) {
        fs.rmSync(cacheFile());
        requestsAtLoss = world.graphEmulator.counters.requests;
      }
    }, 2);
    const started = await world.controller.start(world.connector.id, 'manual');
    const outcome = await started.done;
    clearInterval(watcher);
    expect(requestsAtLoss, 'the cache was deleted mid-run').toBeGreaterThan(0);

    expect(outcome.status, JSON.stringify(outcome.error)).toBe('needs-sign-in');
    // The run's error is the lost sign-in's reason: its code, and the fix in the one rendering.
    expect(outcome.error?.code).toBe('sign-in-required');
    expect(reasonWords(outcome.error!)).toMatch(/sign in again in the app.*or use a certificate for unattended runs/i);
    expect(new RunRepository(world.store).get(outcome.runId)?.error).toEqual(outcome.error);
    // At once, without a retry storm: only the requests already in flight went out. Counted in
    // requests, not seconds, so a loaded machine cannot fail it.
    expect(world.graphEmulator.counters.requests - requestsAtLoss).toBeLessThan(40);

    // Nothing lost, nothing failed: the ledger has only delivered and still-open rows.
    const ledger = ledgerCounts(world.store, world.connector.id);
    expect(Object.keys(ledger).sort().filter((s) => !['delivered', 'pending', 'sending'].includes(s))).toEqual([]);
    expect((ledger.pending ?? 0) + (ledger.sending ?? 0)).toBeGreaterThan(0);
    const failedItems = outcomeCounts(world.store);
    expect((failedItems.failed ?? 0) + (failedItems['stopped-retrying'] ?? 0)).toBe(0);
    const copies = [...landed().values()];
    expect(copies.every((n) => n === 1)).toBe(true);

    // The command line: non-zero (3), with the fix.
    const lines: string[] = [];
    const io: CliIo = { out: (l) => lines.push(l), err: (l) => lines.push(l) };
    expect(summarise(world.connector, { runId: outcome.runId, status: outcome.status, error: outcome.error, reconciliation: outcome.result!.reconciliation }, io)).toBe(EXIT.signIn);
    expect(lines[0]).toMatch(/run \d+ needs sign-in: .*use a certificate for unattended runs/);

    // The officer signs in again: the next run delivers the rest, every message once.
    await signIn();
    const next = await (await world.controller.start(world.connector.id, 'manual')).done;
    expect(next.status, JSON.stringify(next.error)).toBe('succeeded');
    expect(next.result!.reconciliation).toMatchObject({ balanced: true, failed: { count: 0 } });
    const rows = ledgerCounts(world.store, world.connector.id);
    expect(Object.keys(rows)).toEqual(['delivered']);
    const after = landed();
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    expect(after.size).toBe(rows.delivered);
    const outcomes = outcomeCounts(world.store);
    expect(Object.values(outcomes).reduce((n, c) => n + c, 0)).toBe(MESSAGES);
    expect(Object.keys(outcomes).filter((status) => status !== 'delivered' && status !== 'skipped')).toEqual([]);
  });
});
