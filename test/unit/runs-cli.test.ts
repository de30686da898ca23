import { afterAll, describe, expect, it } from 'vitest';
import { reasonWords, type ConnectorRunStatus } from '../../shared/contract';
import { main, type CliIo } from '../../electron/host/cli';
import { Core } from '../../electron/core/app/core';
import { silentLogger } from '../../electron/core/platform/logger';
import { makeTempDir } from '../support/tmp';

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

describe('headless command', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());
  const env = { SYMPHONY_ARCHIVER_HOME: temp.dir };

  it('explains its usage and refuses unknown commands with exit code 2', async () => {
    const io = capture();
    expect(await main(['frobnicate'], io, env)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/Unknown command: frobnicate[\s\S]*Usage: symphony-archiver/);
    expect(await main(['--help'], capture(), env)).toBe(0);
  });

  it('lists connectors and their status from the data folder in SYMPHONY_ARCHIVER_HOME', async () => {
    const io = capture();
    expect(await main(['connectors'], io, env)).toBe(0);
    expect(io.lines).toEqual(['No connectors yet. Create one in the app.']);
    const core = new Core({ dataDir: temp.dir, host: 'test', logger: silentLogger });
    const created = core.connectors.create('Acme Pod');
    await core.dispose();
    const listed = capture();
    expect(await main(['connectors'], listed, env)).toBe(0);
    expect(listed.lines[0]).toBe(`Acme Pod\tenabled\t(no pod)\t${created.id}`);
    const status = capture();
    expect(await main(['status'], status, env)).toBe(0);
    expect(status.lines[0]).toMatch(/^Acme Pod: idle; never run; next: \d{4}-/);
  });

  it('exits non-zero with a summary when a run fails, and for an unknown connector', async () => {
    const unknown = capture();
    expect(await main(['run', '--once', '--connector', 'Nope'], unknown, env)).toBe(1);
    expect(unknown.errors.join('\n')).toMatch(/No connector named "Nope"\. Use one of: Acme Pod/);
    // The connector has no pod configured: capture fails, the run is recorded as failed.
    const io = capture();
    expect(await main(['run', '--once', '--connector', 'acme pod'], io, env)).toBe(1);
    expect(io.lines[0]).toBe('Acme Pod: run started');
    expect(io.errors.join('\n')).toMatch(/^Acme Pod: run 1 failed: read 0 new message\(s\) from Symphony; 0 items: 0 delivered; 0 deliveries: 0 delivered; balanced\. /);
    const status = capture();
    await main(['status'], status, env);
    expect(status.lines[0]).toMatch(/last run 1 failed at \S+: read 0 new message\(s\) from Symphony; 0 items: 0 delivered; 0 deliveries: 0 delivered; balanced; next: /);
    // The run's error is stored as a reason and the summary line ends with it in the one rendering.
    const json = capture();
    await main(['status', '--json'], json, env);
    const [last] = (JSON.parse(json.lines.join('\n')) as ConnectorRunStatus[]).map((s) => s.last);
    expect(last?.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(io.errors[0]!.endsWith(`balanced. ${reasonWords(last!.error!)}`)).toBe(true);
  });
});
