import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/platform/logger';
import { loadPrivateKey, signLoginJwt } from '../../electron/core/symphony/auth';
import { SymphonyClient } from '../../electron/core/symphony/client';
import { testConnection } from '../../electron/core/symphony/test-connection';
import { ArchiverError } from '../../shared/errors';
import { symphonySettingsSchema } from '../../shared/contract';
import { SymphonyEmulator } from '../../electron/sandbox/emulators/symphony';
import { TestWorld, makeServiceKey } from '../support/world';

describe('symphony authentication', () => {
  const temp = new TestWorld();
  let emulator: SymphonyEmulator;
  let key: ReturnType<typeof makeServiceKey>;
  const settings = (over: Partial<ReturnType<typeof symphonySettingsSchema.parse>> = {}) =>
    symphonySettingsSchema.parse({ podUrl: emulator.url, username: 'archiver-bot', privateKeyPath: key.privateKeyPath, ...over });

  beforeAll(async () => {
    emulator = await SymphonyEmulator.start({ seed: 'auth', conversations: 3, messages: 20, attachments: 0 });
    key = makeServiceKey(temp.dir);
    emulator.registerKey(key.publicKey);
  });
  afterAll(async () => {
    await emulator.stop();
    await temp.dispose();
  });

  it('says exactly why a key file cannot be used', async () => {
    const reason = async (file: string) => {
      try {
        await loadPrivateKey(file);
      } catch (error) {
        expect(error).toBeInstanceOf(ArchiverError);
        return (error as ArchiverError).message;
      }
      return 'no error';
    };
    expect(await reason(path.join(temp.dir, 'missing.pem'))).toMatch(/could not be read: it does not exist/);
    const garbage = path.join(temp.dir, 'garbage.pem');
    fs.writeFileSync(garbage, 'hello');
    expect(await reason(garbage)).toMatch(/does not hold a PEM private key/);
    const ec = path.join(temp.dir, 'ec.pem');
    fs.writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    expect(await reason(ec)).toMatch(/not an RSA key \(it is ec\)/);
    const encrypted = path.join(temp.dir, 'enc.pem');
    fs.writeFileSync(encrypted, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }));
    expect(await reason(encrypted)).toMatch(/protected by a passphrase/);
    expect(await reason(makeServiceKey(temp.dir, 1024).privateKeyPath)).toMatch(/only 1024 bits; RS512 signatures need at least 2048/);
  });

  it('signs the login JWT with RS512, only sub and exp, at most 5 minutes ahead', async () => {
    const now = Date.UTC(2026, 0, 1);
    const jwt = await signLoginJwt(await loadPrivateKey(key.privateKeyPath), 'archiver-bot', now);
    expect(decodeProtectedHeader(jwt).alg).toBe('RS512');
    const claims = decodeJwt(jwt);
    expect(Object.keys(claims).sort()).toEqual(['exp', 'sub']);
    expect(claims.sub).toBe('archiver-bot');
    expect(claims.exp! - now / 1000).toBeGreaterThan(0);
    expect(claims.exp! - now / 1000).toBeLessThanOrEqual(300);
  });

  it('the emulator refuses a JWT that lives longer than 5 minutes, a wrong signature and an unknown user', async () => {
    const pk = await loadPrivateKey(key.privateKeyPath);
    const post = async (token: string) => (await fetch(`${emulator.url}/login/pubkey/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) })).status;
    const sign = (sub: string, expSeconds: number, k = pk) => new SignJWT({}).setProtectedHeader({ alg: 'RS512' }).setSubject(sub).setExpirationTime(Math.floor(Date.now() / 1000) + expSeconds).sign(k);
    expect(await post(await sign('archiver-bot', 240))).toBe(200);
    expect(await post(await sign('archiver-bot', 600))).toBe(401);
    expect(await post(await sign('archiver-bot', -10))).toBe(401);
    expect(await post(await sign('user1', 240))).toBe(401);
    expect(await post(await sign('archiver-bot', 240, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey))).toBe(401);
    const rs256 = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject('archiver-bot').setExpirationTime('4m').sign(pk);
    expect(await post(rs256)).toBe(401);
  });

  it('reuses tokens, and after a 401 logs in once more and repeats the call', async () => {
    const client = new SymphonyClient(settings(), { retry: { attempts: 1 } });
    const before = { ...emulator.counters.logins };
    await client.sessionInfo();
    await client.sessionInfo();
    await client.listStreams(0, 10, ['IM', 'MIM', 'ROOM']);
    expect(emulator.counters.logins.session - before.session).toBe(1);
    emulator.expireSessions();
    const me = await client.sessionInfo();
    expect(me.username).toBe('archiver-bot');
    expect(client.reauthentications).toBe(1);
    expect(emulator.counters.logins.session - before.session).toBe(2);
    await client.close();
  });

  it('shares one fresh login among concurrent calls that all met the expired session', async () => {
    const client = new SymphonyClient(settings(), { retry: { attempts: 1 } });
    await client.sessionInfo();
    const before = emulator.counters.logins.session;
    emulator.expireSessions();
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.sessionInfo()));
    expect(answers.every((a) => a.username === 'archiver-bot')).toBe(true);
    expect(emulator.counters.logins.session - before).toBe(1);
    await client.close();
  });

  it('reports a refused login as an auth failure naming the username', async () => {
    const other = makeServiceKey(temp.dir);
    const client = new SymphonyClient(settings({ privateKeyPath: other.privateKeyPath }), { retry: { attempts: 2, baseMs: 1 } });
    await expect(client.sessionInfo()).rejects.toMatchObject({ code: 'auth-failed', message: expect.stringMatching(/refused the login of "archiver-bot" \(HTTP 401\)/) });
    await client.close();
  });

  describe('test connection', () => {
    const stepsOf = (r: Awaited<ReturnType<typeof testConnection>>) => r.steps.map((s) => `${s.step}:${s.status}`);

    it('walks every step and reports the identity when all is well', async () => {
      const result = await testConnection(settings(), { logger: silentLogger });
      expect(result.ok).toBe(true);
      expect(stepsOf(result)).toEqual(['settings:ok', 'key:ok', 'pod-login:ok', 'key-manager:ok', 'identity:ok', 'streams:ok', 'agent:ok']);
      expect(result.identity).toMatchObject({ username: 'archiver-bot', userId: '13537736917000' });
      expect(result.steps.find((s) => s.step === 'streams')!.message).toMatch(/3 conversations/);
    });

    it('stops at an unreadable key file', async () => {
      const result = await testConnection(settings({ privateKeyPath: path.join(temp.dir, 'nope.pem') }), { logger: silentLogger });
      expect(stepsOf(result)).toEqual(['settings:ok', 'key:failed', 'pod-login:skipped', 'key-manager:skipped', 'identity:skipped', 'streams:skipped', 'agent:skipped']);
      expect(result.steps[1]!.error?.target).toBe('settings.symphony.privateKeyPath');
    });

    it('says the public key is not registered when the pod answers 401', async () => {
      const other = makeServiceKey(temp.dir);
      const result = await testConnection(settings({ privateKeyPath: other.privateKeyPath }), { logger: silentLogger });
      const step = result.steps.find((s) => s.step === 'pod-login')!;
      expect(step.status).toBe('failed');
      expect(step.message).toMatch(/public key registered for this username does not match/);
      expect(step.error?.code).toBe('auth-failed');
    });

    it('tells an unreachable pod from an unreachable key manager', async () => {
      const closed = http.createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
      await new Promise<void>((r) => closed.close(() => r()));
      const pod = await testConnection(settings({ podUrl: deadUrl }), { logger: silentLogger, timeoutMs: 2000 });
      expect(pod.steps.find((s) => s.step === 'pod-login')).toMatchObject({ status: 'failed', error: { code: 'unreachable' } });
      const km = await testConnection(settings({ keyManagerUrl: deadUrl }), { logger: silentLogger, timeoutMs: 2000 });
      expect(stepsOf(km).slice(0, 4)).toEqual(['settings:ok', 'key:ok', 'pod-login:ok', 'key-manager:failed']);
      expect(km.steps[3]!.message).toMatch(/key manager could not be reached/);
    });
  });
});
