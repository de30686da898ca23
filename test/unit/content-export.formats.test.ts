import { describe, expect, it } from 'vitest';
import { checksumNamesFor, compareExportFiles, isExportFile, parseExportFileName } from '../../electron/core/symphony/content-export/file-names';
import { parseMd5File } from '../../electron/core/symphony/content-export/integrity';
import { sniffEnvelope } from '../../electron/core/symphony/content-export/pgp';
import { resolveSecret } from '../../electron/core/symphony/content-export/secrets';
import { openSshFingerprint } from '../../electron/core/symphony/content-export/sftp';
import { contentExportSettingsSchema } from '../../shared/contract/content-export';
import { ArchiverError } from '../../shared/errors';

describe('Content Export file names', () => {
  it("parses Symphony's documented recurring and ad-hoc examples", () => {
    expect(parseExportFileName('e_sym-sup-uat-chat-glb-1_SD-2019-08-13-00_ED-2019-08-14-00_GD-2019-08-14_1565741400162.zip')).toEqual({
      name: 'e_sym-sup-uat-chat-glb-1_SD-2019-08-13-00_ED-2019-08-14-00_GD-2019-08-14_1565741400162.zip',
      kind: 'recurring',
      formatPrefix: 'e',
      company: 'sym-sup-uat-chat-glb-1',
      contentStart: Date.parse('2019-08-13T00:00:00Z'),
      contentEnd: Date.parse('2019-08-14T00:00:00Z'),
      generatedMs: 1565741400162,
      encryptedByName: false,
    });
    expect(parseExportFileName('e_sym-sup-uat-chat-glb-1_CD-2019-08-07_GD-2019-08-08_1565283570922.zip.pgp')).toMatchObject({
      kind: 'ad-hoc',
      formatPrefix: 'e',
      company: 'sym-sup-uat-chat-glb-1',
      contentStart: Date.parse('2019-08-07T00:00:00Z'),
      generatedMs: 1565283570922,
      encryptedByName: true,
    });
    expect(parseExportFileName('export.zip')).toMatchObject({ kind: 'unnamed', generatedMs: null });
  });

  it('tells export files from checksums and other files, and orders them by generation time', () => {
    expect(['a.zip', 'a.zip.pgp', 'a.zip.gpg', 'a.pgp', 'a.zip.md5', 'a.txt', '.hidden.zip'].filter(isExportFile)).toEqual(['a.zip', 'a.zip.pgp', 'a.zip.gpg', 'a.pgp']);
    expect(checksumNamesFor('x_SD.zip.pgp')).toEqual(['x_SD.zip.pgp.md5', 'x_SD.zip.md5', 'x_SD.md5']);
    const names = ['e_c_SD-2019-08-14-00_ED-2019-08-15-00_GD-2019-08-15_1565827800000.zip', 'zz.zip', 'e_c_SD-2019-08-13-00_ED-2019-08-14-00_GD-2019-08-14_1565741400162.zip'];
    expect(names.map(parseExportFileName).sort(compareExportFiles).map((n) => n.name)).toEqual([names[2], names[0], names[1]]);
  });

  it('reads bare and md5sum-style checksum files', () => {
    expect(parseMd5File('D41D8CD98F00B204E9800998ECF8427E\n')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(parseMd5File('d41d8cd98f00b204e9800998ecf8427e  export.zip\n')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(parseMd5File('no digest here')).toBeUndefined();
  });

  it('recognises ZIP and PGP envelopes by their bytes', () => {
    expect(sniffEnvelope(Buffer.from('PK\x03\x04rest', 'latin1'))).toBe('zip');
    expect(sniffEnvelope(Buffer.from('-----BEGIN PGP MESSAGE-----\n'))).toBe('pgp-armored');
    expect(sniffEnvelope(Buffer.from([0xc1, 0x5e, 0x03]))).toBe('pgp-binary'); // new-format PKESK
    expect(sniffEnvelope(Buffer.from([0x85, 0x01, 0x0c]))).toBe('pgp-binary'); // old-format PKESK
    expect(sniffEnvelope(Buffer.from('<?xml version="1.0"?>'))).toBe('unknown');
  });

  it('formats host key fingerprints as OpenSSH does (unpadded base64 of SHA-256)', () => {
    expect(openSshFingerprint(Buffer.from('abc'))).toBe('SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0');
  });
});

describe('Content Export settings and secrets', () => {
  it('defaults to the safe choices and refuses secrets pasted in place of references', () => {
    const defaults = contentExportSettingsSchema.parse({});
    expect(defaults).toMatchObject({ transport: 'sftp', port: 22, deleteAfterIngest: false, format: 'eml', hostKeyFingerprint: '', minFileAgeSeconds: 120 });
    expect(contentExportSettingsSchema.safeParse({ pgpPassphraseRef: 'hunter2' }).success).toBe(false);
    expect(contentExportSettingsSchema.safeParse({ passwordRef: 'env:SFTP_PASSWORD' }).success).toBe(true);
    expect(contentExportSettingsSchema.safeParse({ hostKeyFingerprint: 'MD5:16:27:ac' }).success).toBe(false);
    expect(contentExportSettingsSchema.safeParse({ hostKeyFingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8 SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0' }).success).toBe(true);
    expect(contentExportSettingsSchema.safeParse({ format: 'actiance' }).success).toBe(false);
  });

  it('resolves env: references and says which variable is missing', () => {
    expect(resolveSecret('env:PASS', 'PGP passphrase', 't', { PASS: 'x' })).toBe('x');
    expect(resolveSecret('', 'PGP passphrase', 't', {})).toBeUndefined();
    let error: unknown;
    try {
      resolveSecret('env:MISSING_PASS', 'PGP passphrase', 'contentExport.pgpPassphraseRef', {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ArchiverError);
    expect((error as ArchiverError).message).toBe('The PGP passphrase is to come from the environment variable MISSING_PASS, which is not set for the archiver.');
    expect((error as ArchiverError).target).toBe('contentExport.pgpPassphraseRef');
  });
});
