import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Core } from '../../electron/core/app/core';
import type { Logger } from '../../electron/core/platform/logger';
import { appPaths } from '../../electron/core/platform/paths';
import { makeTempDir } from '../support/tmp';

/** Every entry under `dir` (not following links) with its permission bits. */
function walk(dir: string): { entry: string; mode: number; kind: 'dir' | 'file' }[] {
  const out: { entry: string; mode: number; kind: 'dir' | 'file' }[] = [];
  const visit = (entry: string) => {
    const stat = fs.lstatSync(entry);
    if (stat.isSymbolicLink()) return;
    out.push({ entry: path.relative(dir, entry) || '.', mode: stat.mode & 0o777, kind: stat.isDirectory() ? 'dir' : 'file' });
    if (stat.isDirectory()) for (const name of fs.readdirSync(entry)) visit(path.join(entry, name));
  };
  visit(dir);
  return out;
}

function recordingLogger(lines: string[]): Logger {
  const logger: Logger = {
    error: (m) => lines.push(`error ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    info: (m) => lines.push(`info ${m}`),
    debug: () => {},
    scope: () => logger,
  };
  return logger;
}

describe.skipIf(process.platform === 'win32')('data folder at rest', () => {
  const temp = makeTempDir('archiver-perms-');
  afterAll(() => temp.cleanup());

  it('creates a fresh data folder with every folder 0700 and every file 0600', async () => {
    // The process may have started with the common umask 022; the core must not depend on it.
    process.umask(0o022);
    const dataDir = path.join(temp.dir, 'fresh');
    const core = new Core({ dataDir, host: 'cli' });
    // Write what a working archiver writes: the database and its WAL, the log, an export, a backup, an upload.
    const connector = core.connectors.create('Acme pod');
    await core.dispatcher.invoke('mapping.applyCsv', { connectorId: connector.id, csv: 'symphony_email,target_upn\na@contoso.com,a@contoso.com\n' });
    await core.dispatcher.invoke('app.backup', {});
    fs.writeFileSync(path.join(core.paths.exports, 'run-1.csv'), 'x');
    fs.mkdirSync(path.join(core.paths.spool, connector.id), { recursive: true });
    fs.writeFileSync(path.join(core.paths.spool, connector.id, 'attachment.bin'), 'x');
    const { Readable } = await import('node:stream');
    await core.uploads.receive(Readable.from([Buffer.from('a,b\n')]));
    core.logger.info('a line for the log file');
    await core.dispose();

    const entries = walk(dataDir);
    const names = entries.map((e) => e.entry);
    for (const expected of ['archiver.db', 'logs', 'exports', 'spool', 'secrets', 'backups', 'uploads', path.join('exports', 'run-1.csv')]) expect(names).toContain(expected);
    expect(entries.some((e) => e.entry.startsWith('backups' + path.sep))).toBe(true);
    expect(entries.some((e) => e.entry.startsWith('logs' + path.sep))).toBe(true);
    const wide = entries.filter((e) => (e.kind === 'dir' ? e.mode !== 0o700 : (e.mode & 0o077) !== 0));
    expect(wide).toEqual([]);
    expect(entries.find((e) => e.entry === 'archiver.db')!.mode).toBe(0o600);
  });

  it('tightens a world-readable folder left by an older version at start-up, and says so in the log', async () => {
    process.umask(0o022);
    const dataDir = path.join(temp.dir, 'old');
    const paths = appPaths(dataDir);
    for (const dir of [dataDir, paths.exports, paths.logs, path.join(paths.spool, 'c1')]) {
      fs.mkdirSync(dir, { recursive: true });
      fs.chmodSync(dir, 0o755);
    }
    for (const file of [path.join(paths.exports, 'old.eml'), path.join(paths.logs, 'main.log'), path.join(paths.spool, 'c1', 'a.bin')]) {
      fs.writeFileSync(file, 'x');
      fs.chmodSync(file, 0o644);
    }
    // A link inside points outside: the walk must not change its target.
    const outsideFile = path.join(temp.dir, 'not-ours.txt');
    fs.writeFileSync(outsideFile, 'x');
    fs.chmodSync(outsideFile, 0o644);
    fs.symlinkSync(outsideFile, path.join(paths.exports, 'link'));
    const executable = path.join(dataDir, 'tool.sh');
    fs.writeFileSync(executable, '#!/bin/sh\n');
    fs.chmodSync(executable, 0o755);

    const lines: string[] = [];
    const core = new Core({ dataDir, host: 'cli', logger: recordingLogger(lines) });
    await core.dispose();

    const wide = walk(dataDir).filter((e) => (e.kind === 'dir' ? e.mode !== 0o700 : (e.mode & 0o077) !== 0));
    expect(wide).toEqual([]);
    expect(fs.statSync(path.join(paths.exports, 'old.eml')).mode & 0o777).toBe(0o600);
    // Only group and other bits go: the owner keeps what it had.
    expect(fs.statSync(executable).mode & 0o777).toBe(0o700);
    expect(fs.statSync(outsideFile).mode & 0o777).toBe(0o644);
    const warning = lines.find((l) => l.startsWith('warn the data folder was readable by other accounts'));
    expect(warning).toMatch(/tightened 9 entries to owner-only/);
    expect(warning).toContain(`${dataDir} (0755 → 0700)`);
  });
});
