import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UploadStore } from '../../electron/core/platform/uploads';
import type { Logger } from '../../electron/core/platform/logger';
import { checkIpcCall, handleUploadMessage, MAX_CALL_BYTES, parseCallMessage } from '../../electron/host/guard';
import { installLastResort } from '../../electron/host/last-resort';
import { checkAccessToken, MIN_TOKEN_BITS, newAccessToken, readAccessToken } from '../../electron/host/session';
import { appProtocolAnswer } from '../../electron/host/static-files';
import { UPLOAD_CHUNK_BYTES } from '../../shared/contract/client';
import { makeTempDir } from '../support/tmp';

// Seeded so that every run checks the same inputs; FUZZ_SEED=<n> explores others (a failure prints its seed).
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 14_2026) });

describe('access token strength', () => {
  it('refuses weak tokens and says why', () => {
    expect(() => checkAccessToken('1', '--token')).toThrow(/--token is refused: it carries about 3 bits, fewer than 128\..*openssl rand -base64 32/);
    expect(() => checkAccessToken('', 'ARCHIVER_TOKEN')).toThrow(/it is empty/);
    expect(() => checkAccessToken('a'.repeat(200), '--token')).toThrow(/about 4 bits/);
    expect(() => checkAccessToken('abcabcabc'.repeat(20), '--token')).toThrow(/about 14 bits/);
    expect(() => checkAccessToken('password123password123', '--token')).toThrow(/fewer than 128/);
    expect(() => checkAccessToken('has space'.repeat(10), '--token')).toThrow(/printable ASCII/);
  });

  it('accepts every generated token and random 32-byte secrets in base64 and hex', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 64 }), (bytes) => {
        const buf = Buffer.from(bytes);
        // A random hex string of 32 bytes has 64 × 4 = 256 bits by our count only if it uses both
        // letters and digits; a 32-byte string of only digits is still ≥ 64 × 3.3 bits.
        expect(checkAccessToken(buf.toString('base64url') || 'x', 't')).toBeTruthy();
        expect(checkAccessToken(buf.toString('hex'), 't')).toBeTruthy();
      }),
    );
    expect(checkAccessToken(newAccessToken(), 'generated')).toBeTruthy();
    expect(MIN_TOKEN_BITS).toBe(128);
  });

  it('reads the token from a file first, then the environment, then the flag', () => {
    const temp = makeTempDir();
    try {
      const file = path.join(temp.dir, 'token');
      const good = newAccessToken();
      fs.writeFileSync(file, `${good}\n`);
      expect(readAccessToken({ file, env: 'x', flag: 'y' })).toEqual({ token: good, source: 'file' });
      expect(readAccessToken({ env: good, flag: 'y' })).toEqual({ token: good, source: 'environment' });
      expect(() => readAccessToken({ env: 'short' })).toThrow(/ARCHIVER_TOKEN is refused/);
      expect(() => readAccessToken({ file: path.join(temp.dir, 'missing') })).toThrow(/cannot be read \(ENOENT\)/);
      expect(readAccessToken({}).source).toBe('generated');
    } finally {
      temp.cleanup();
    }
  });
});

describe('call checks shared by the WebSocket and the desktop IPC', () => {
  it('refuses anything that is not a call, with an id when there is one', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.anything().map((v) => JSON.stringify(v) ?? 'undefined')), (text) => {
        const checked = parseCallMessage(text);
        if (checked.ok) {
          const parsed = JSON.parse(text) as { type: string; id: number; name: string };
          expect(parsed.type).toBe('call');
          expect(Number.isSafeInteger(parsed.id)).toBe(true);
          expect(typeof parsed.name).toBe('string');
        } else expect(checked.error.code).toBe('invalid-input');
      }),
      { numRuns: 2000 },
    );
    expect(parseCallMessage('x', MAX_CALL_BYTES + 1)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/more than the 67108864 /) } });
  });

  it('refuses oversized, cyclic and unnamed IPC calls before the dispatcher', () => {
    expect(checkIpcCall('app.info', {})).toMatchObject({ ok: true, name: 'app.info' });
    expect(checkIpcCall(42, {})).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(checkIpcCall('x'.repeat(101), {})).toMatchObject({ ok: false });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkIpcCall('app.info', cyclic)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/larger than/) } });
    expect(checkIpcCall('mapping.previewCsv', { csv: 'x'.repeat(MAX_CALL_BYTES / 2) })).toMatchObject({ ok: false });
    expect(checkIpcCall('mapping.previewCsv', { csv: 'x'.repeat(1024 * 1024) })).toMatchObject({ ok: true });
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (name, input) => {
        expect(() => checkIpcCall(name, input)).not.toThrow();
      }),
    );
  });
});

describe('desktop upload steps (IPC) through the upload store', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('streams chunks into one file and refuses bad steps, ids and chunks with typed errors', async () => {
    const store = new UploadStore(path.join(temp.dir, 'uploads'), 3 * UPLOAD_CHUNK_BYTES);
    const begun = await handleUploadMessage(store, 'begin', undefined, undefined);
    if (!begun.ok) throw new Error('begin failed');
    const id = begun.value.id;
    expect(await handleUploadMessage(store, 'chunk', id, new Uint8Array([97, 44, 98, 10]))).toMatchObject({ ok: true, value: { bytes: 4 } });
    expect(await handleUploadMessage(store, 'chunk', id, 'not bytes')).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await handleUploadMessage(store, 'chunk', id, new Uint8Array(UPLOAD_CHUNK_BYTES + 1))).toMatchObject({ ok: false, error: { message: expect.stringMatching(/at most/) } });
    expect(await handleUploadMessage(store, 'chunk', '../../etc/passwd', new Uint8Array(1))).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await handleUploadMessage(store, 'chunk', 'f'.repeat(32), new Uint8Array(1))).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await handleUploadMessage(store, 'explode', id, undefined)).toMatchObject({ ok: false });
    expect(await handleUploadMessage(store, 'finish', id, undefined)).toMatchObject({ ok: true, value: { id, bytes: 4 } });
    expect(fs.readFileSync(store.pathOf(id), 'utf8')).toBe('a,b\n');
    expect(fs.statSync(store.pathOf(id)).mode & 0o077).toBe(0);

    // Past the store's limit: refused, and the part written is gone.
    const big = await handleUploadMessage(store, 'begin', undefined, undefined);
    if (!big.ok) throw new Error('begin failed');
    for (let i = 0; i < 3; i++) expect((await handleUploadMessage(store, 'chunk', big.value.id, new Uint8Array(UPLOAD_CHUNK_BYTES))).ok).toBe(true);
    expect(await handleUploadMessage(store, 'chunk', big.value.id, new Uint8Array(1))).toMatchObject({ ok: false, error: { code: 'too-large' } });
    expect(fs.readdirSync(path.join(temp.dir, 'uploads')).filter((f) => f.endsWith('.part'))).toEqual([]);
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.anything(), fc.anything(), async (step, anyId, chunk) => {
        const result = await handleUploadMessage(store, step, anyId, chunk);
        if (step !== 'begin') expect(result.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    await store.dispose();
  });
});

describe('desktop app:// protocol answers (plain Node, the same checks as the browser host)', () => {
  const temp = makeTempDir();
  afterAll(() => temp.cleanup());

  it('serves renderer files and refuses other hosts, ways out, NULs and links out of the folder', async () => {
    const dir = path.join(temp.dir, 'renderer');
    fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
    fs.writeFileSync(path.join(temp.dir, 'secret.txt'), 'secret');
    fs.symlinkSync(path.join(temp.dir, 'secret.txt'), path.join(dir, 'assets', 'link.js'));
    const answer = (url: string) => appProtocolAnswer(dir, url, 'archiver', "default-src 'none'");
    expect(await answer('app://archiver/index.html')).toMatchObject({ status: 200, file: fs.realpathSync(path.join(dir, 'index.html')), headers: { 'Content-Security-Policy': "default-src 'none'" } });
    expect(await answer('app://archiver/')).toMatchObject({ status: 200 });
    for (const evil of ['app://other/index.html', 'app://archiver/%00', 'app://archiver/index.html%00', 'app://archiver/..%2fsecret.txt', 'app://archiver/assets/link.js', 'app://archiver/%2e%2e/secret.txt', 'app://archiver/%c0%ae%c0%ae/secret.txt', 'not a url']) {
      expect((await answer(evil)).status, evil).not.toBe(200);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), fc.uint8Array({ maxLength: 20 }), async (text, bytes) => {
        const encoded = [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        for (const url of [`app://archiver/${text}`, `app://archiver/${encoded}`, `app://archiver/assets/${encodeURIComponent(text)}`]) {
          const result = await answer(url);
          if (result.status === 200) expect(result.file!.startsWith(fs.realpathSync(dir) + path.sep)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('last-resort handler', () => {
  it('logs an uncaught exception before stopping with 70, and logs an unhandled rejection and keeps going', async () => {
    const lines: string[] = [];
    const logger: Logger = { error: (m: string, e?: unknown) => lines.push(`${m}: ${String(e)}`), warn() {}, info() {}, debug() {}, scope: () => logger };
    const emitter = new EventEmitter();
    const proc = emitter as unknown as NodeJS.Process;
    const exits: number[] = [];
    const remove = installLastResort(logger, proc, (code) => exits.push(code));
    emitter.emit('unhandledRejection', new Error('lost promise'));
    expect(lines).toEqual([expect.stringMatching(/unhandled promise rejection.*keeps running: Error: lost promise/)]);
    expect(exits).toEqual([]);
    emitter.emit('uncaughtException', new Error('boom'), 'uncaughtException');
    expect(lines[1]).toMatch(/unexpected failure \(uncaughtException\).*stops.*Error: boom/);
    await expect.poll(() => exits).toEqual([70]);
    remove();
    expect(emitter.listenerCount('uncaughtException')).toBe(0);
  });
});
