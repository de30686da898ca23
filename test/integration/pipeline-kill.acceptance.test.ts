import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reconciliation } from '../../shared/contract';
import { messageArchiveKey } from '../../electron/core/convert/ids';
import { ARCHIVE_KEY_PROPERTY } from '../../electron/core/graph/message';
import { appPaths } from '../../electron/core/platform/paths';
import { Store } from '../../electron/core/store/database';
import { UnknownOutcomeRepository } from '../../electron/core/store/repos/delivery-unknowns';
import { type GraphEmulator } from '../../electron/sandbox/emulators/graph/server';
import type { FaultOptions } from '../../electron/sandbox/emulators/graph/faults';
import { type SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { attachmentSha256 } from '../../electron/sandbox/emulators/symphony/model';
import { TestWorld, addPodMailboxes, prepareDataDir } from '../support/world';
import { expectDeletionsLogged } from '../support/import-verify';
import type { RealChildOptions } from '../support/pipeline-real-child';
import { Prng } from '../../electron/sandbox/emulators/prng';

const CHILD = path.resolve(__dirname, '../support/pipeline-real-child.ts');
/**
 * Minutes long even scaled down, so the default suite skips it. ARCHIVER_ACCEPTANCE=1 runs the
 * chain at about 3,800 deliveries and 12 kills; ARCHIVER_ACCEPTANCE=full at the size
 * (>= 20,000 deliveries, >= 50 kills), a quarter of an hour or more on a loaded two-core machine.
 */
const FULL = process.env.ARCHIVER_ACCEPTANCE === 'full';
const MESSAGES = FULL ? 3_000 : 350;
const MIN_DELIVERIES = FULL ? 20_000 : 2_000;
const MIN_KILLS = FULL ? 50 : 12;
const CHILD_OPTIONS: RealChildOptions = { requestTimeoutMs: 1_500, settleMarginMs: 1_000, pageSize: 250 };

/**
 * Issue 22's acceptance: 10 % of the mail requests fail (503, 429, resets, hangs, lost answers) and
 * about 1.5 % of creates are applied only after the client gave up on them (`late`); mapping's
 * directory look-ups are spared (they are not retried yet, one fault fails the run).
 */
const FAULTS: FaultOptions = {
  rate: 0.1,
  kinds: ['503', '429', 'reset', 'hang', 'lost', 'late'],
  weights: { '503': 2, '429': 1.5, reset: 2, hang: 1, lost: 2, late: 1.5 },
  seed: 2222,
  hangMs: 300,
  lateMs: [100, 500],
  match: (_method, p) => p.startsWith('/upload/') || /\/(mailFolders|messages)(\/|$)/.test(p),
};

interface ChildResult {
  killed: boolean;
  outcome?: { status: string; error: string | null; reconciliation: Reconciliation | null };
  stderr: string;
}

/** One run of the real pipeline in a child process; SIGKILLed as soon as `killWhen` holds (polled every 5 ms). */
function runChild(dataDir: string, graphUrl: string, token: string, killWhen?: (stage: string) => boolean): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, graphUrl, token, JSON.stringify(CHILD_OPTIONS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const result: ChildResult = { killed: false, stderr: '' };
    let stage = '';
    let buffer = '';
    child.stdout.on('data', (d) => {
      buffer += d;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('stage ')) stage = line.slice(6);
        else if (line.startsWith('outcome ')) result.outcome = JSON.parse(line.slice(8));
      }
    });
    child.stderr.on('data', (d) => (result.stderr += d));
    const watch = killWhen
      ? setInterval(() => {
          if (stage && killWhen(stage)) child.kill('SIGKILL');
        }, 5)
      : undefined;
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearInterval(watch);
      resolve({ ...result, killed: signal === 'SIGKILL' });
    });
  });
}

describe.runIf(process.env.ARCHIVER_ACCEPTANCE !== undefined)(`acceptance (issue 22): >= ${MIN_DELIVERIES.toLocaleString('en')} deliveries, >= ${MIN_KILLS} SIGKILLs, 10 % Graph faults with late-applied creates`, () => {
  const temp = new TestWorld();
  let symphony: SymphonyEmulator;
  let graph: GraphEmulator;
  let dataDir = '';
  let connectorId = '';
  const tenant = new Map<string, string>();

  beforeAll(async () => {
    const pod = await temp.pod({ seed: 'kill-acceptance', conversations: FULL ? 50 : 12, messages: MESSAGES, attachments: 60, internalUsers: 30, externalUsers: 6, maxAttachmentBytes: 64 * 1024 });
    symphony = pod.emulator;
    const m365 = await temp.tenant({ limits: { requestsPerWindow: 10_000_000 }, faults: FAULTS });
    graph = m365.emulator;
    for (const [email, upn] of addPodMailboxes(graph, symphony, { serviceAccount: false })) tenant.set(email, upn);
    ({ dataDir, connectorId } = prepareDataDir(temp.path('data'), { pod, tenant: m365 }));
  });
  afterAll(() => temp.dispose());

  /** What must land, from the pod's own model: per archive key, the mailboxes and the attachments (size:sha256). */
  function expected(): Map<string, { boxes: string[]; attachments: string[] }> {
    const want = new Map<string, { boxes: string[]; attachments: string[] }>();
    for (const stream of symphony.pod.streams.values()) {
      const members = [...stream.members].filter(([, m]) => !m.left).map(([id]) => id);
      for (const message of stream.messages) {
        const boxes = [...new Set([...members, message.sender])].map((id) => symphony.pod.users.get(id)!).filter((u) => !u.external).map((u) => tenant.get(u.email.toLowerCase())).filter((b): b is string => !!b);
        const attachments = message.attachments.map((a) => `${a.size}:${attachmentSha256(a)}`).sort();
        if (boxes.length > 0) want.set(messageArchiveKey(connectorId, message.id), { boxes: [...new Set(boxes)].sort(), attachments });
      }
    }
    return want;
  }

  /** What the ledger still has open or failed, for the message of a failing assertion. */
  function openDeliveries(): string {
    const store = Store.open(appPaths(dataDir).database);
    try {
      return JSON.stringify(store.db.prepare("SELECT state, last_error, COUNT(*) AS n FROM deliveries WHERE state NOT IN ('delivered') GROUP BY state, last_error LIMIT 20").all());
    } finally {
      store.dispose();
    }
  }

  it('ends with every delivery exactly once, complete, and every stray deletion in the run logs', { timeout: 1_800_000 }, async () => {
    const want = expected();
    const total = [...want.values()].reduce((n, w) => n + w.boxes.length, 0);
    expect(total).toBeGreaterThanOrEqual(MIN_DELIVERIES);
    const token = await graph.mintToken({ expiresInSec: 4 * 3600 });
    const rng = new Prng(22);
    const random = () => rng.next();
    const started = Date.now();
    let kills = 0;
    const killedIn: Record<string, number> = {};
    // Kill moments follow progress, not the clock: the first rounds die at a random point of capture
    // (messages served by Symphony) and inside the planning pass; the rest once a random share of the
    // creates still to come has reached the Graph emulator.
    for (let round = 0; kills < MIN_KILLS + 5 && round < 120; round++) {
      let when: (stage: string) => boolean;
      if (round === 0) {
        const served = Math.floor(random() * MESSAGES * 0.6);
        when = () => symphony.counters.messagesServed >= served;
      } else if (round <= 2) {
        when = (stage) => stage === (round === 1 ? 'convert' : 'map');
      } else {
        const before = graph.counters.created;
        const left = Math.max(1, total - before);
        const target = before + 1 + Math.floor(random() * Math.max(1, left / Math.max(1, MIN_KILLS + 5 - kills)));
        when = (stage) => stage === 'import' && graph.counters.created >= target;
      }
      let killStage = '';
      const child = await runChild(dataDir, graph.baseUrl, token, (stage) => {
        if (!when(stage)) return false;
        killStage ||= stage;
        return true;
      });
      if (child.killed) killedIn[killStage] = (killedIn[killStage] ?? 0) + 1;
      if (child.killed) kills++;
      else expect(child.outcome?.status, child.outcome?.error ?? child.stderr).toMatch(/succeeded|failed/);
    }
    const chainMs = Date.now() - started;
    const final = await runChild(dataDir, graph.baseUrl, token);
    const rec = final.outcome?.reconciliation;
    // Items with a participant who has no mailbox (the service account, external people) are held
    // by mapping, by design: that alone makes the run amber. Nothing may be failed or still open.
    expect(final.outcome?.status, `${final.outcome?.error ?? final.stderr} ${JSON.stringify(rec)} ${openDeliveries()}`).toBe(rec && rec.held.count > 0 ? 'completed-with-problems' : 'succeeded');
    expect(rec?.deliveries).toMatchObject({ failed: 0, open: 0, blocked: 0, partial: 0 });
    expect(final.outcome?.reconciliation?.balanced).toBe(true);
    expect(final.outcome?.reconciliation?.unknownOutcomes?.unsettled).toBe(0);
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);

    // Counted from the Graph emulator's own state.
    const landed = new Map<string, Array<{ attachments: string[] }>>();
    for (const { user, message } of graph.directory.allMessages()) {
      const key = message.extended.find((p) => p.id === ARCHIVE_KEY_PROPERTY)?.value ?? '(none)';
      const pair = `${key} -> ${user.userPrincipalName}`;
      landed.set(pair, [...(landed.get(pair) ?? []), { attachments: message.attachments.map((a) => `${a.size}:${a.sha256}`).sort() }]);
    }
    let missing = 0;
    let duplicated = 0;
    let mismatched = 0;
    const examples: string[] = [];
    for (const [key, w] of want) {
      for (const box of w.boxes) {
        const pair = `${key} -> ${box}`;
        const copies = landed.get(pair) ?? [];
        landed.delete(pair);
        if (copies.length === 0) missing++;
        if (copies.length > 1) duplicated += copies.length - 1;
        if (copies.some((c) => JSON.stringify(c.attachments) !== JSON.stringify(w.attachments))) mismatched++;
        if (copies.length !== 1 && examples.length < 10) examples.push(`${pair}: ${copies.length} copies`);
      }
    }
    const unexpected = [...landed.keys()];
    const lateCreates = graph.counters.lateCreates;
    const deleted = graph.directory.deleted.length;
    console.log(
      `issue 22 acceptance: ${total} deliveries, ${kills} kills (${JSON.stringify(killedIn)}), chain ${Math.round(chainMs / 1000)} s, total ${Math.round((Date.now() - started) / 1000)} s; ` +
        `faults ${JSON.stringify(graph.counters.faults)} of ${graph.counters.requests} requests, ${lateCreates} late-applied creates, ${deleted} copies deleted; ` +
        `missing ${missing}, duplicated ${duplicated}, attachment mismatches ${mismatched}, unexpected ${unexpected.length}`,
    );
    expect(examples).toEqual([]);
    expect({ missing, duplicated, mismatched, unexpected: unexpected.length }).toEqual({ missing: 0, duplicated: 0, mismatched: 0, unexpected: 0 });
    // The faults were what the issue asks for: about 10 %, and at least 1 % of creates applied late.
    expect(lateCreates).toBeGreaterThanOrEqual(Math.ceil(total * 0.01));
    const faulted = Object.values(graph.counters.faults).reduce((a, b) => a + b, 0);
    expect(faulted).toBeGreaterThan(total * 0.08);
    // Every copy the emulator saw deleted is in the run logs, with the id of the copy kept.
    const logs = path.join(dataDir, 'logs');
    expectDeletionsLogged(graph, fs.readdirSync(logs).map((f) => fs.readFileSync(path.join(logs, f), 'utf8')).join('\n'));
    const store = Store.open(appPaths(dataDir).database);
    try {
      expect(new UnknownOutcomeRepository(store).count(connectorId)).toBe(0);
    } finally {
      store.dispose();
    }
  });
});
