import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageInfo } from '../../electron/core/platform/package-root';
import { newAccessToken } from '../../electron/host/session';
import { makeTempDir } from '../support/tmp';

const SERVE = path.join(packageInfo().root, 'electron', 'host', 'serve.ts');

/** `npm run serve` from source; resolves with its exit code and output, or with the printed URL (then stops it). */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string; url?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SERVE, '--port', '0', ...args], { env: { ...process.env, ARCHIVER_TOKEN: '', ARCHIVER_TOKEN_FILE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let url: string | undefined;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /Open: (\S+)/.exec(out);
      if (match && !url) {
        url = match[1];
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out, err, url }));
  });
}

describe('serve: where the access token comes from', () => {
  const temp = makeTempDir('archiver-serve-token-');
  afterAll(() => temp.cleanup());

  it('refuses a weak token with the reason, from the flag and from the environment', async () => {
    const flag = await serve(['--data', path.join(temp.dir, 'a'), '--token', '1']);
    expect(flag.code).toBe(1);
    expect(flag.err).toMatch(/The access token from --token is refused: it carries about 3 bits, fewer than 128\. Use at least 128 random bits/);
    const env = await serve(['--data', path.join(temp.dir, 'a')], { ARCHIVER_TOKEN: 'hunter2hunter2' });
    expect(env.code).toBe(1);
    expect(env.err).toMatch(/ARCHIVER_TOKEN is refused/);
  });

  it('takes a strong token from a file, prints it in the URL only, and keeps the data folder private', async () => {
    const token = newAccessToken();
    const file = path.join(temp.dir, 'token');
    fs.writeFileSync(file, `${token}\n`, { mode: 0o600 });
    const dataDir = path.join(temp.dir, 'b');
    const run = await serve(['--data', dataDir, '--token-file', file]);
    expect(run.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/\\?tkn=${token}$`));
    const log = fs.readFileSync(path.join(dataDir, 'logs', 'main.log'), 'utf8');
    expect(log).toMatch(/access token: file/);
    expect(log).not.toContain(token);
    if (process.platform !== 'win32') for (const entry of ['', 'logs', 'logs/main.log', 'archiver.db']) expect(fs.statSync(path.join(dataDir, entry)).mode & 0o077, entry).toBe(0);
  });
});
