import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/app/core';
import { SANDBOX_MARKER } from '../../electron/core/app/folder-kind';
import { silentLogger } from '../../electron/core/platform/logger';
import { claimSandboxFolder, relaunchArgs, SANDBOX_FLAG } from '../../electron/sandbox/launch';
import { makeTempDir } from '../support/tmp';

describe('the desktop app restarting into and out of the sandbox', () => {
  it('keeps every other argument in order and carries the sandbox flag exactly when asked', () => {
    const arg = fc.oneof(fc.string({ maxLength: 12 }), fc.constant(SANDBOX_FLAG), fc.constant('.'), fc.constant('--inspect'));
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 8 }), fc.boolean(), (argv, sandbox) => {
        const next = relaunchArgs(argv, sandbox);
        expect(next.filter((a) => a !== SANDBOX_FLAG)).toEqual(argv.filter((a) => a !== SANDBOX_FLAG));
        expect(next.filter((a) => a === SANDBOX_FLAG).length).toBe(sandbox ? 1 : 0);
        // Leaving and coming back gives the same arguments as going straight there.
        expect(relaunchArgs(relaunchArgs(argv, !sandbox), sandbox)).toEqual(next);
      }),
    );
  });
});

describe('a sandbox folder and a real archive never mix', () => {
  const temps: { cleanup: () => void }[] = [];
  const temp = () => {
    const t = makeTempDir('archiver-folder-kind-');
    temps.push(t);
    return t.dir;
  };
  afterEach(() => temps.splice(0).forEach((t) => t.cleanup()));

  it('refuses to make a sandbox of a folder that holds a real archive, writing nothing into it', async () => {
    const dir = temp();
    const real = new Core({ dataDir: dir, host: 'test', logger: silentLogger });
    await real.dispose();
    const before = fs.readdirSync(dir).sort();
    expect(() => claimSandboxFolder(dir)).toThrow(expect.objectContaining({ message: expect.stringContaining(`${dir} holds a real archive`), fix: expect.stringContaining('empty folder') }));
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it('marks a new folder as a sandbox, which every real host then refuses', () => {
    const dir = path.join(temp(), 'sandbox');
    claimSandboxFolder(dir);
    expect(fs.existsSync(path.join(dir, SANDBOX_MARKER))).toBe(true);
    // Claiming again (the demo claims before its logger, the launch once more) is harmless.
    claimSandboxFolder(dir);
    expect(() => new Core({ dataDir: dir, host: 'electron', logger: silentLogger })).toThrow(expect.objectContaining({ message: expect.stringContaining('is a sandbox folder') }));
    expect(fs.existsSync(path.join(dir, 'archiver.db'))).toBe(false);
  });
});
