import fs from 'node:fs';
import { X509Certificate, createPrivateKey, createHash } from 'node:crypto';
import { ArchiverError } from '../../../../shared/errors';

export interface ClientCertificate {
  privateKey: string;
  /** Hex SHA-256 of the DER certificate (what Entra ID calls the x5t#S256 thumbprint). */
  thumbprintSha256: string;
  /** Hex SHA-1, for older registrations. */
  thumbprint: string;
  /** PEM of the certificate chain, sent as x5c so that subject-name/issuer auth also works. */
  x5c: string;
  notAfter: Date;
  subject: string;
}

/** Reads a PEM holding the certificate and its private key (any order), as for `certificatePath`. */
export function loadClientCertificate(file: string): ClientCertificate {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ArchiverError({ code: 'not-found', message: `The certificate file ${file} could not be read.`, fix: 'Choose the PEM file that holds the certificate and its private key.', target: 'settings.microsoft.certificatePath', detail: String(error) });
  }
  return parseClientCertificate(pem, file);
}

export function parseClientCertificate(pem: string, source = 'the certificate'): ClientCertificate {
  const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const key = pem.match(/-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/)?.[0];
  if (!certs.length || !key) {
    throw new ArchiverError({ code: 'invalid-input', message: `${source} must contain both a certificate and its private key in PEM form.`, fix: 'Export the certificate with its private key as PEM (unencrypted).', target: 'settings.microsoft.certificatePath' });
  }
  const cert = new X509Certificate(certs[0]!);
  // MSAL wants PKCS#8; convert whatever form the key came in.
  const privateKey = createPrivateKey(key).export({ type: 'pkcs8', format: 'pem' }).toString();
  if (!cert.checkPrivateKey(createPrivateKey(privateKey))) {
    throw new ArchiverError({ code: 'invalid-input', message: `The private key in ${source} does not belong to its certificate.`, target: 'settings.microsoft.certificatePath' });
  }
  return {
    privateKey,
    thumbprintSha256: createHash('sha256').update(cert.raw).digest('hex'),
    thumbprint: createHash('sha1').update(cert.raw).digest('hex'),
    x5c: certs.join('\n'),
    notAfter: new Date(cert.validTo),
    subject: cert.subject,
  };
}
