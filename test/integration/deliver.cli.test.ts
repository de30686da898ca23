import { afterAll, describe, expect, it } from 'vitest';
import { main, printVerification, type CliIo } from '../../electron/host/cli';
import { GraphClient } from '../../electron/core/graph/client';
import { verifyImport } from '../../electron/core/deliver/probe';
import { systemClock } from '../../electron/core/platform/clock';
import { TestWorld } from '../support/world';
import { startImportWorld, type ImportWorld } from '../support/world-recipes';

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('cli verify-import', () => {
  const temp = new TestWorld();
  let world: ImportWorld | undefined;
  afterAll(() => temp.dispose());

  it('needs --mailbox, and says so with exit code 2', async () => {
    const io = capture();
    expect(await main(['verify-import'], io, { SYMPHONY_ARCHIVER_HOME: temp.dir })).toBe(2);
    expect(io.errors.join('\n')).toMatch(/--mailbox ADDRESS/);
    const help = capture();
    expect(await main(['--help'], help, { SYMPHONY_ARCHIVER_HOME: temp.dir })).toBe(0);
    expect(help.lines.join('\n')).toContain('verify-import --mailbox ADDRESS');
  });

  it('prints one line per method and per point, with what was expected where it did not hold', async () => {
    world = await startImportWorld(temp, { mailboxes: 1, emulator: { refuseAttachmentsOnNonDraft: true } });
    const token = await world.emulator.mintToken();
    const graph = new GraphClient({ baseUrl: world.emulator.baseUrl, getToken: async () => token, retry: { baseMs: 20, maxMs: 200 } });
    const verification = await verifyImport({ store: world.store, connector: world.connector, graph, clock: systemClock, dir: temp.dir }, world.mailboxes[0]!);
    const io = capture();
    printVerification(verification, io);
    const text = io.lines.join('\n');
    expect(text).toContain('graph-json: did NOT hold');
    expect(text).toMatch(/FAIL {2}Attachment over 3 MB landed: refused: .*\(expected probe-large\.bin, 3345728 bytes\)/);
    expect(text).toMatch(/ok {4}Message class kept: IPM\.ExternalData\.Symphony\.IM/);
    expect(text).toMatch(/graph-mime: did NOT hold — importMime was refused \(403\)/);
    expect(text).toContain('did not hold on this tenant; runs will say it is unverified');
  });
});
