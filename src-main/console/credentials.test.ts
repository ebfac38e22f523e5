// Credentials on real files: the owner-only secrets file (written 600, refused when others can
// read it), SPINCYCLE_HEADERS, and what a context's auth resolves to, with errors that name the
// file or header and never a secret.

import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialsError, FileSecretStore, headersFromEnv, resolveCredentials } from './credentials';

const dir = () => mkdtempSync(path.join(tmpdir(), 'sc-creds-'));
const auth = (headers: string[], files: Partial<Record<'caFile' | 'certFile' | 'keyFile', string>> = {}) => ({
  headers,
  caFile: files.caFile ?? null,
  certFile: files.certFile ?? null,
  keyFile: files.keyFile ?? null,
});

describe('FileSecretStore', () => {
  it('keeps header values per context in a file only its owner can read', () => {
    const store = new FileSecretStore(path.join(dir(), 'sub', 'credentials.json'));
    expect(store.get('prod')).toEqual({});
    store.set('prod', { Authorization: 'Bearer a' });
    store.set('staging', { 'X-Token': 'b' });
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    store.rename('prod', 'production');
    expect(store.get('production')).toEqual({ Authorization: 'Bearer a' });
    expect(store.get('prod')).toEqual({});
    store.set('staging', {});
    expect(store.get('staging')).toEqual({});
  });

  it('refuses a file others can read, and one that is not JSON, naming it', () => {
    const file = path.join(dir(), 'credentials.json');
    writeFileSync(file, '{"prod":{"Authorization":"Bearer secret"}}', { mode: 0o640 });
    chmodSync(file, 0o640);
    const store = new FileSecretStore(file);
    expect(() => store.get('prod')).toThrow(`the credentials file ${file} can be read by others (mode 640)`);
    expect(() => store.set('prod', {})).toThrow(CredentialsError);
    chmodSync(file, 0o600);
    writeFileSync(file, '{oops');
    expect(() => store.get('prod')).toThrow(`the credentials file ${file} is not JSON`);
  });
});

describe('headersFromEnv', () => {
  it('reads "Name: value" lines', () => {
    expect(headersFromEnv({ SPINCYCLE_HEADERS: 'Authorization: Bearer x: y\n\nX-Team:sre' })).toEqual({
      Authorization: 'Bearer x: y',
      'X-Team': 'sre',
    });
    expect(headersFromEnv({})).toEqual({});
    expect(() => headersFromEnv({ SPINCYCLE_HEADERS: 'no colon here' })).toThrow(/not "Name: value"/);
  });
});

describe('resolveCredentials', () => {
  it('gives each named header its value, and reads the TLS files', () => {
    const d = dir();
    for (const f of ['ca.pem', 'cert.pem']) writeFileSync(path.join(d, f), `PEM ${f}`);
    writeFileSync(path.join(d, 'key.pem'), 'PEM key', { mode: 0o600 });
    const files = {
      caFile: path.join(d, 'ca.pem'),
      certFile: path.join(d, 'cert.pem'),
      keyFile: path.join(d, 'key.pem'),
    };
    expect(
      resolveCredentials('context prod', auth(['authorization'], files), { Authorization: 'Bearer a' }, null),
    ).toEqual({
      headers: { authorization: 'Bearer a' },
      ca: 'PEM ca.pem',
      cert: 'PEM cert.pem',
      key: 'PEM key',
    });
  });

  it('says which header has no value and where it should be, without any secret', () => {
    expect(() =>
      resolveCredentials(
        'context prod',
        auth(['Authorization']),
        { 'X-Other': 'secret' },
        { where: '/x/credentials.json' },
      ),
    ).toThrow('context prod: no value for its Authorization header in /x/credentials.json');
  });

  it('refuses a key others can read, a missing file, and a certificate without its key', () => {
    const d = dir();
    const key = path.join(d, 'key.pem');
    writeFileSync(key, 'PEM key', { mode: 0o644 });
    chmodSync(key, 0o644);
    expect(() => resolveCredentials('context prod', auth([], { certFile: key, keyFile: key }), {}, null)).toThrow(
      `context prod: the client key ${key} can be read by others (mode 644)`,
    );
    expect(() => resolveCredentials('context prod', auth([], { caFile: path.join(d, 'nope.pem') }), {}, null)).toThrow(
      /context prod: cannot read the CA file .*nope\.pem/,
    );
    chmodSync(key, 0o600);
    expect(() => resolveCredentials('context prod', auth([], { keyFile: key }), {}, null)).toThrow(
      'context prod: a client certificate needs its key, and a key its certificate',
    );
  });
});
