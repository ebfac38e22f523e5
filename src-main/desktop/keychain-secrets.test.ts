// The keychain secret store under Node, with a stand-in for safeStorage that really encrypts
// (AES-256-GCM with a key only it holds): what reaches the disk is ciphertext, mode 600; a
// Linux without a keychain falls back to the owner-only file.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../console/credentials';
import { KeychainSecretStore, desktopSecretStore, type SafeStorageLike } from './keychain-secrets';

function keychain(backend = 'gnome_libsecret'): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(text) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(data) {
      const d = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('KeychainSecretStore', () => {
  it('keeps header values encrypted on disk, readable back through the keychain', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-keychain-'));
    const store = new KeychainSecretStore(path.join(dir, 'secrets.json'), keychain());
    store.set('prod', { Authorization: 'Bearer top-secret' });
    expect(store.get('prod')).toEqual({ Authorization: 'Bearer top-secret' });
    const disk = readFileSync(store.file, 'utf8');
    expect(disk).not.toContain('top-secret');
    expect(disk).not.toContain('Authorization');
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    store.rename('prod', 'production');
    expect(store.get('production')).toEqual({ Authorization: 'Bearer top-secret' });
    store.set('production', {});
    expect(store.get('production')).toEqual({});
  });

  it('says so when the keychain cannot decrypt them (another user, a reset keychain)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-keychain-'));
    const file = path.join(dir, 'secrets.json');
    new KeychainSecretStore(file, keychain()).set('prod', { Authorization: 'x' });
    expect(() => new KeychainSecretStore(file, keychain()).get('prod')).toThrow(
      /context prod: its secrets cannot be decrypted by the OS keychain .*enter them again/,
    );
  });

  it("uses the owner-only file where safeStorage has no keychain (Linux's basic_text)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-keychain-'));
    const file = path.join(dir, 'credentials.json');
    expect(desktopSecretStore(dir, keychain(), file)).toBeInstanceOf(KeychainSecretStore);
    const fallback = desktopSecretStore(dir, keychain('basic_text'), file);
    expect(fallback).toBeInstanceOf(FileSecretStore);
    expect(fallback.where).toBe(file);
  });
});
