import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../electron/core/store/database';
import { CaptureRepository } from '../../electron/core/store/repos/capture';
import { ConnectorRepository } from '../../electron/core/store/repos/connectors';
import { ContentExportRepository } from '../../electron/core/store/repos/content-export';
import { pollContentExport } from '../../electron/core/symphony/content-export/ingest';
import { testContentExport } from '../../electron/core/symphony/content-export/test-connection';
import { contentExportSettingsSchema, type ContentExportSettings } from '../../shared/contract/content-export';
import { ArchiverError } from '../../shared/errors';
import { generateEmlExport, pgpEncrypt, pgpKeyPair, type GeneratedExport } from '../../electron/sandbox/emulators/content-export/generator';
import { generateSshKeyPair, startSftpServer, type RunningSftpServer } from '../../electron/sandbox/emulators/sftp/server';
import { makeTempDir } from '../support/tmp';
import { checkpointCount } from '../support/store-reads';

const temp = makeTempDir('content-export-sftp-');
const root = path.join(temp.dir, 'sftp-root');
const exportsDir = path.join(root, 'exports');
const clientKey = generateSshKeyPair('archiver');
const keyFile = path.join(temp.dir, 'sftp_ed25519');
let server: RunningSftpServer;

beforeAll(async () => {
  fs.mkdirSync(exportsDir, { recursive: true });
  fs.writeFileSync(keyFile, clientKey.privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(temp.dir, 'sftp-password'), 'pa55-word\n');
  server = await startSftpServer({ root, users: [{ username: 'archiver', publicKey: clientKey.publicKey, password: 'pa55-word' }] });
});
afterAll(async () => {
  await server.close();
  temp.cleanup();
});

function settings(patch: Partial<ContentExportSettings> = {}): ContentExportSettings {
  return contentExportSettingsSchema.parse({
    transport: 'sftp',
    host: server.host,
    port: server.port,
    username: 'archiver',
    privateKeyPath: keyFile,
    hostKeyFingerprint: server.hostKeyFingerprint,
    remoteDir: '/exports',
    minFileAgeSeconds: 0,
    ...patch,
  });
}

function freshStore(name: string): { store: Store; connectorId: string; spool: string } {
  const store = Store.open(path.join(temp.dir, `${name}.db`));
  const connectorId = new ConnectorRepository(store).create(name).id;
  return { store, connectorId, spool: path.join(temp.dir, `${name}-spool`) };
}

function publish(file: string, bytes: Buffer, md5?: string): void {
  fs.writeFileSync(path.join(exportsDir, file), bytes);
  if (md5 !== undefined) fs.writeFileSync(path.join(exportsDir, `${file}.md5`), md5);
}

function clearExports(): void {
  for (const f of fs.readdirSync(exportsDir)) fs.rmSync(path.join(exportsDir, f));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('Content Export over SFTP', () => {
  let day: GeneratedExport;

  it("ingests a day's ZIP of 200 conversations once, and a second poll ingests nothing", async () => {
    clearExports();
    day = await generateEmlExport({ day: '2026-11-23', conversations: 200, attachmentEvery: 40, seed: 7 });
    publish(day.fileName, day.zip, day.md5File);
    const { store, connectorId, spool } = freshStore('day');
    const poll = () => pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: settings(), store, spoolDir: spool });

    const first = await poll();
    expect(first.files).toHaveLength(1);
    expect(first.files[0]).toMatchObject({ name: day.fileName, outcome: 'ingested', conversations: 200, items: day.messageCount, inserted: day.messageCount, sha256: sha256(day.zip) });

    const capture = new CaptureRepository(store);
    const counts = capture.counts(connectorId);
    expect(counts.items).toBe(day.messageCount);
    expect(counts.conversations).toBe(200);
    expect(counts.attachments.pending).toBe(0);
    let attachments = 0;
    // Anyone who sent a message somewhere in the file is known by their Symphony id everywhere in it.
    const senders = new Map(day.conversations.flatMap((c) => c.messages.map((m) => [m.senderEmail, m.senderUserId] as const)));
    for (const conversation of day.conversations) {
      const stored = capture.conversations.conversation(connectorId, conversation.streamId!);
      expect(stored?.streamType).toBe(conversation.streamType);
      expect(stored?.name).toBe(conversation.name);
      expect(stored?.members.map((m) => m.email).sort()).toEqual(conversation.members.map((m) => m.email).sort());
      for (const member of stored!.members) expect(member.userId).toBe(senders.get(member.email) ?? `email:${member.email}`);
      for (const message of conversation.messages) {
        const item = capture.itemByMessageId(connectorId, message.messageId!);
        expect(item, message.messageId!).toBeDefined();
        expect(item!.streamId).toBe(conversation.streamId);
        expect(item!.timestamp).toBe(message.timestamp);
        expect(item!.sender.userId).toBe(message.senderUserId);
        expect(item!.sender.email).toBe(message.senderEmail);
        expect(item!.presentationML).toContain(message.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
        expect(item!.sourceSha256).toBe(sha256(Buffer.from(item!.sourceJson)));
        // The chain-of-custody record holds the message exactly as exported.
        const raw = Buffer.from((JSON.parse(item!.sourceJson) as { raw: string }).raw, 'latin1');
        expect((await simpleParser(raw)).headers.get('x-symphony-message-id')).toBe(message.messageId);
        expect(item!.attachments.map((a) => [a.name, a.sha256, a.size, a.status])).toEqual(message.attachments.map((a) => [a.name, a.sha256, a.size, 'stored']));
        for (const a of item!.attachments) {
          expect(sha256(fs.readFileSync(a.spoolPath!))).toBe(a.sha256);
          attachments++;
        }
      }
    }
    expect(attachments).toBeGreaterThan(5);
    // The member-stream checkpoints are not touched by an export.
    expect(checkpointCount(store)).toBe(0);

    const second = await poll();
    expect(second.files.map((f) => [f.name, f.outcome, f.inserted])).toEqual([[day.fileName, 'already-ingested', 0]]);
    expect(capture.counts(connectorId).items).toBe(day.messageCount);
    const ledger = new ContentExportRepository(store).files(connectorId);
    expect(ledger.map((f) => [f.name, f.status, f.sha256, f.items, f.attempts])).toEqual([[day.fileName, 'ingested', sha256(day.zip), day.messageCount, 1]]);
    // Not deleted from the server: the officer did not opt in.
    expect(fs.existsSync(path.join(exportsDir, day.fileName))).toBe(true);
    expect(server.removed).toEqual([]);
    store.dispose();
  });

  it('reports and skips a corrupted ZIP and a wrong .md5 without losing the other files', async () => {
    clearExports();
    const good = await generateEmlExport({ day: '2026-11-20', conversations: 12, seed: 20 });
    const broken = await generateEmlExport({ day: '2026-11-21', conversations: 12, seed: 21 });
    const wrongSum = await generateEmlExport({ day: '2026-11-22', conversations: 12, seed: 22 });
    const corrupted = Buffer.from(broken.zip);
    // Damage the compressed data of the first entry; its .md5 beside is of the damaged bytes, so only the ZIP check can catch it.
    for (let i = 200; i < 260; i++) corrupted[i] = corrupted[i]! ^ 0x5a;
    publish(good.fileName, good.zip, good.md5File);
    publish(broken.fileName, corrupted, `${md5(corrupted)}  ${broken.fileName}\n`);
    publish(wrongSum.fileName, wrongSum.zip, `${md5(Buffer.from('something else'))}  ${wrongSum.fileName}\n`);

    const { store, connectorId, spool } = freshStore('faults');
    const report = await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: settings(), store, spoolDir: spool });
    const byName = new Map(report.files.map((f) => [f.name, f]));
    expect(byName.get(good.fileName)).toMatchObject({ outcome: 'ingested', items: good.messageCount });
    expect(byName.get(broken.fileName)).toMatchObject({ outcome: 'failed' });
    expect(byName.get(broken.fileName)!.message).toMatch(new RegExp(`${escape(broken.fileName)} is not a readable ZIP archive`));
    expect(byName.get(wrongSum.fileName)).toMatchObject({ outcome: 'failed' });
    expect(byName.get(wrongSum.fileName)!.message).toMatch(/failed its MD5 check/);
    expect(report).toMatchObject({ ingested: 1, failed: 2 });

    const capture = new CaptureRepository(store);
    expect(capture.counts(connectorId).items).toBe(good.messageCount);
    for (const m of [...broken.conversations, ...wrongSum.conversations].flatMap((c) => c.messages)) expect(capture.itemByMessageId(connectorId, m.messageId!)).toBeUndefined();

    // Both stay failed (and are tried again) on the next poll; the good one is not read twice.
    const again = await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: settings(), store, spoolDir: spool });
    expect(again.files.map((f) => [f.name, f.outcome]).sort()).toEqual(
      [
        [good.fileName, 'already-ingested'],
        [broken.fileName, 'failed'],
        [wrongSum.fileName, 'failed'],
      ].sort(),
    );
    const ledger = new Map(new ContentExportRepository(store).files(connectorId).map((f) => [f.name, f]));
    expect(ledger.get(broken.fileName)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(ledger.get(wrongSum.fileName)).toMatchObject({ status: 'failed', attempts: 2 });

    // Once the admin re-delivers an intact copy, it is ingested.
    publish(wrongSum.fileName, wrongSum.zip, wrongSum.md5File);
    const fixed = await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: settings(), store, spoolDir: spool });
    expect(fixed.files.find((f) => f.name === wrongSum.fileName)).toMatchObject({ outcome: 'ingested', inserted: wrongSum.messageCount });
    store.dispose();
  });

  it('decrypts PGP-encrypted exports (binary and armored) with the configured key and passphrase', async () => {
    clearExports();
    const keys = await pgpKeyPair('correct horse');
    const keyPath = path.join(temp.dir, 'export-key.asc');
    fs.writeFileSync(keyPath, keys.privateKey);
    const binary = await generateEmlExport({ day: '2026-11-10', conversations: 6, attachmentEvery: 3, seed: 10 });
    const armored = await generateEmlExport({ day: '2026-11-11', conversations: 6, seed: 11 });
    const encrypted = await pgpEncrypt(binary.zip, keys.publicKey);
    expect(encrypted.subarray(0, 2).toString('latin1')).not.toBe('PK');
    publish(`${binary.fileName}.pgp`, encrypted, `${md5(encrypted)}  ${binary.fileName}.pgp\n`);
    publish(`${armored.fileName}.gpg`, await pgpEncrypt(armored.zip, keys.publicKey, true));

    const { store, connectorId, spool } = freshStore('pgp');
    const withKey = settings({ pgpPrivateKeyPath: keyPath, pgpPassphraseRef: 'env:CE_TEST_PGP_PASSPHRASE' });
    const report = await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: withKey, store, spoolDir: spool, env: { CE_TEST_PGP_PASSPHRASE: 'correct horse' } });
    expect(report.files.map((f) => [f.outcome, f.items])).toEqual([
      ['ingested', binary.messageCount],
      ['ingested', armored.messageCount],
    ]);
    const capture = new CaptureRepository(store);
    for (const m of [...binary.conversations, ...armored.conversations].flatMap((c) => c.messages)) {
      expect(capture.itemByMessageId(connectorId, m.messageId!)?.presentationML).toContain(`price `);
    }

    // Without the key, or with another key, nothing is stored and the message says what to configure.
    const other = freshStore('pgp-wrong');
    const noKey = await pollContentExport({ connectorId: other.connectorId, pod: 'acme.symphony.com', settings: settings(), store: other.store, spoolDir: other.spool });
    expect(noKey.files[0]!.message).toMatch(/is PGP-encrypted, and no PGP private key is configured/);
    const wrongKeys = await pgpKeyPair('other');
    const wrongPath = path.join(temp.dir, 'wrong-key.asc');
    fs.writeFileSync(wrongPath, wrongKeys.privateKey);
    const wrong = await pollContentExport({
      connectorId: other.connectorId,
      pod: 'acme.symphony.com',
      settings: settings({ pgpPrivateKeyPath: wrongPath, pgpPassphraseRef: 'env:P' }),
      store: other.store,
      spoolDir: other.spool,
      env: { P: 'other' },
    });
    expect(wrong.files.map((f) => f.outcome)).toEqual(['failed', 'failed']);
    expect(wrong.files[0]!.message).toMatch(/encrypted for another PGP key/);
    const badPassphrase = await pollContentExport({ connectorId: other.connectorId, pod: 'acme.symphony.com', settings: withKey, store: other.store, spoolDir: other.spool, env: { CE_TEST_PGP_PASSPHRASE: 'wrong' } });
    expect(badPassphrase.files[0]!.message).toMatch(/passphrase does not unlock/);
    expect(new CaptureRepository(other.store).counts(other.connectorId).items).toBe(0);
    store.dispose();
    other.store.dispose();
  });

  it('refuses a server whose host key does not match the pinned fingerprint, before sending credentials', async () => {
    const { store, connectorId, spool } = freshStore('hostkey');
    const pinned = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
    const before = server.authAttempts;
    const error = await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: settings({ hostKeyFingerprint: pinned }), store, spoolDir: spool }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiverError);
    const e = error as ArchiverError;
    expect(e.code).toBe('permission-denied');
    expect(e.target).toBe('contentExport.hostKeyFingerprint');
    expect(e.message).toBe(`Refused to connect: the SFTP server 127.0.0.1:${server.port} presented the host key ${server.hostKeyFingerprint}, but this connector is pinned to ${pinned}.`);
    expect(server.authAttempts).toBe(before);

    // A server with several host keys: any pinned one will do.
    const several = await testContentExport(connectorId, settings({ hostKeyFingerprint: `${pinned}, ${server.hostKeyFingerprint}` }), new ContentExportRepository(store));
    expect(several.hostKeyVerified).toBe(true);
    const afterSeveral = server.authAttempts;
    expect(afterSeveral).toBeGreaterThan(before);

    // The test call reports the presented key when none is pinned yet, and reads nothing.
    const probe = await testContentExport(connectorId, settings({ hostKeyFingerprint: '' }), new ContentExportRepository(store));
    expect(probe).toMatchObject({ presentedFingerprint: server.hostKeyFingerprint, hostKeyVerified: false, files: [] });
    expect(probe.summary).toContain(server.hostKeyFingerprint);
    expect(server.authAttempts).toBe(afterSeveral);
    store.dispose();
  });

  it('names the remote folder when it cannot be listed', async () => {
    const { store, connectorId } = freshStore('missing-dir');
    const error = await testContentExport(connectorId, settings({ remoteDir: '/not-there' }), new ContentExportRepository(store)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiverError);
    expect((error as ArchiverError).message).toBe(`The folder /not-there cannot be listed on sftp://archiver@127.0.0.1:${server.port}/not-there.`);
    expect((error as ArchiverError).target).toBe('contentExport.remoteDir');
    store.dispose();
  });

  it('prints the fingerprint exactly as OpenSSH does', () => {
    const pub = path.join(temp.dir, 'host.pub');
    fs.writeFileSync(pub, `${server.hostPublicKey} host\n`);
    const line = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' });
    expect(line.split(' ')[1]).toBe(server.hostKeyFingerprint);
  });

  it('authenticates with a password, lists what is there, and deletes ingested files only when the officer opted in', async () => {
    clearExports();
    const one = await generateEmlExport({ day: '2026-11-01', conversations: 3, seed: 31 });
    publish(one.fileName, one.zip, one.md5File);
    fs.writeFileSync(path.join(exportsDir, 'README.txt'), 'not an export');
    const { store, connectorId, spool } = freshStore('password');
    const ledger = new ContentExportRepository(store);
    const byPassword = settings({ privateKeyPath: '', passwordRef: `file:${path.join(temp.dir, 'sftp-password')}` });

    const listed = await testContentExport(connectorId, byPassword, ledger);
    expect(listed).toMatchObject({ hostKeyVerified: true, presentedFingerprint: server.hostKeyFingerprint, exportFiles: 1, alreadyIngested: 0 });
    expect(listed.files.map((f) => [f.name, f.kind])).toEqual([
      ['README.txt', 'other'],
      [one.fileName, 'export'],
      [`${one.fileName}.md5`, 'checksum'],
    ]);

    const report = await pollContentExport({ connectorId, pod: 'acme.symphony.com', settings: { ...byPassword, deleteAfterIngest: true }, store, spoolDir: spool });
    expect(report.files.map((f) => f.outcome)).toEqual(['ingested']);
    expect(fs.readdirSync(exportsDir)).toEqual(['README.txt']);
    expect(server.removed.sort()).toEqual([`exports/${one.fileName}`, `exports/${one.fileName}.md5`].sort());
    expect(ledger.files(connectorId)[0]!.deletedFromSourceAt).not.toBeNull();

    const wrongPassword = fs.mkdtempSync(path.join(temp.dir, 'pw-'));
    fs.writeFileSync(path.join(wrongPassword, 'pw'), 'nope');
    const denied = await testContentExport(connectorId, settings({ privateKeyPath: '', passwordRef: `file:${path.join(wrongPassword, 'pw')}` }), ledger).catch((e: unknown) => e);
    expect((denied as ArchiverError).code).toBe('auth-failed');
    store.dispose();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
