// TLS files of the engine: the certificate and key a listener serves (--tls-cert, --tls-key)
// and the certificate authorities a peer link trusts (--ca). Read at start (and again on
// SIGHUP), checked so that a wrong file fails the start with its name instead of the first
// handshake: PEM that Node's TLS accepts, a key only its owner may read, a certificate that
// matches its key.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { checkOwnerOnlyFile } from '../secret-file';

/** What a TLS listener serves (PEM text). */
export interface TlsFiles {
  cert: string;
  key: string;
}

function readPem(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(`${file}: cannot read the ${what} (${why})`, { cause: err });
  }
  if (!text.includes('-----BEGIN ')) throw new Error(`${file}: not a PEM file (the ${what} must be PEM)`);
  return text;
}

/** The certificate and key of a TLS listener; throws an Error naming the file and what is wrong. */
export function readTlsFiles(certFile: string, keyFile: string): TlsFiles {
  const cert = readPem(certFile, 'certificate');
  checkOwnerOnlyFile(keyFile);
  const key = readPem(keyFile, 'private key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${certFile}: not a certificate (${(err as Error).message})`, { cause: err });
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) {
      throw new Error(`${keyFile} is not the key of the certificate in ${certFile}`);
    }
  } catch (err) {
    if ((err as Error).message.includes(' is not the key ')) throw err;
    throw new Error(`${keyFile}: not a private key (${(err as Error).message})`, { cause: err });
  }
  return { cert, key };
}

/** The certificate authorities in `file` (one or more PEM certificates), checked. */
export function readCaFile(file: string): string {
  const ca = readPem(file, 'CA certificates');
  try {
    createSecureContext({ ca });
    new X509Certificate(ca);
  } catch (err) {
    throw new Error(`${file}: not a CA certificate (${(err as Error).message})`, { cause: err });
  }
  return ca;
}
