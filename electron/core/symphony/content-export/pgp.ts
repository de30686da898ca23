import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import * as openpgp from 'openpgp';
import { ArchiverError } from '../../../../shared/errors';

const ZIP_MAGIC = Buffer.from([0x50, 0x4b]);

export type Envelope = 'zip' | 'pgp-armored' | 'pgp-binary' | 'unknown';

/** What the first bytes of a delivered file say it is; the name's suffix is only a hint. */
export function sniffEnvelope(head: Buffer): Envelope {
  if (head.subarray(0, 2).equals(ZIP_MAGIC)) return 'zip';
  if (head.toString('latin1').trimStart().startsWith('-----BEGIN PGP MESSAGE-----')) return 'pgp-armored';
  // An OpenPGP packet header has its top bit set; old- or new-format tags 1 (PKESK), 3 (SKESK), 18 (SEIPD), 20 (AEAD).
  const first = head[0];
  if (first !== undefined && (first & 0x80) !== 0) {
    const tag = (first & 0x40) !== 0 ? first & 0x3f : (first & 0x3c) >> 2;
    if ([1, 3, 18, 20].includes(tag)) return 'pgp-binary';
  }
  return 'unknown';
}

export function readHead(file: string, bytes = 64): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const read = fs.readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, read);
  } finally {
    fs.closeSync(fd);
  }
}

export interface PgpKeyMaterial {
  /** The private key file's bytes (armored or binary). */
  key: Buffer;
  passphrase: string | undefined;
  /** For messages: the settings field the key came from. */
  keyPath: string;
}

/** Reads and unlocks the configured private key, with messages that say which setting is wrong. */
export async function unlockKey(material: PgpKeyMaterial): Promise<openpgp.PrivateKey> {
  let key: openpgp.PrivateKey;
  try {
    const text = material.key.toString('latin1');
    key = text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')
      ? await openpgp.readPrivateKey({ armoredKey: text })
      : await openpgp.readPrivateKey({ binaryKey: new Uint8Array(material.key) });
  } catch (error) {
    throw new ArchiverError(
      { code: 'invalid-input', message: `${material.keyPath} is not an OpenPGP private key.`, fix: 'Point the PGP key setting at the private key that matches the public key given to Symphony for the export (an ASCII-armored .asc or binary .gpg file).', target: 'contentExport.pgpPrivateKeyPath', detail: errorText(error) },
      { cause: error },
    );
  }
  if (key.isDecrypted()) return key;
  if (!material.passphrase) {
    throw new ArchiverError({ code: 'invalid-input', message: `The PGP private key ${material.keyPath} is protected by a passphrase, and none is configured.`, fix: 'Reference the passphrase as env:NAME or file:/path in the PGP passphrase setting.', target: 'contentExport.pgpPassphraseRef' });
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase: material.passphrase });
  } catch (error) {
    throw new ArchiverError(
      { code: 'auth-failed', message: `The PGP passphrase does not unlock ${material.keyPath}.`, fix: 'Check the secret the PGP passphrase setting references.', target: 'contentExport.pgpPassphraseRef', detail: errorText(error) },
      { cause: error },
    );
  }
}

/**
 * Decrypts `source` into `dest` as a stream, so a large export never sits in memory. OpenPGP's
 * integrity check fails the stream at its end, and `dest` is only used after the pipeline
 * finished, so a tampered or truncated file never reaches the ZIP reader.
 */
export async function decryptFile(source: string, dest: string, envelope: 'pgp-armored' | 'pgp-binary', key: openpgp.PrivateKey, fileName: string): Promise<void> {
  try {
    const message =
      envelope === 'pgp-armored'
        ? await openpgp.readMessage({ armoredMessage: Readable.toWeb(fs.createReadStream(source, { encoding: 'utf8' })) as NodeReadableStream<string> })
        : await openpgp.readMessage({ binaryMessage: Readable.toWeb(fs.createReadStream(source)) as NodeReadableStream<Uint8Array> });
    const { data } = await openpgp.decrypt({ message, decryptionKeys: key, format: 'binary' });
    await pipeline(Readable.fromWeb(data as NodeReadableStream<Uint8Array>), fs.createWriteStream(dest));
  } catch (error) {
    fs.rmSync(dest, { force: true });
    const text = errorText(error);
    const wrongKey = /session key|no decryption key|decryption key/i.test(text);
    throw new ArchiverError(
      {
        code: wrongKey ? 'auth-failed' : 'invalid-input',
        message: wrongKey ? `${fileName} is encrypted for another PGP key than the one configured.` : `${fileName} could not be decrypted: it is damaged or not a complete PGP message.`,
        fix: wrongKey
          ? 'Configure the private key whose public key was given to Symphony for the Content Export (Admin Portal, Company Settings, Export Content).'
          : 'The file is skipped and tried again on the next poll; if it stays damaged, ask your Symphony admin to re-run the export for that period.',
        target: fileName,
        detail: text,
      },
      { cause: error },
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
