// The desktop app's secret store: a context's header values encrypted with Electron's
// safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows, the Secret Service or
// KWallet on Linux), kept as ciphertext in `secrets.json` beside the cache (mode 600). Where
// safeStorage has no real keychain (Linux without one: its `basic_text` backend protects
// nothing), the secrets go to the owner-only credentials file instead, and `where` says so.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CredentialsError, FileSecretStore, JsonSecretStore, type SecretStore } from '../console/credentials';

export const SECRETS_FILE = 'secrets.json';

/** What this store needs of Electron's safeStorage (so it runs, and is tested, under Node). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
}

/** A real keychain is there: safeStorage can encrypt, and not with a fixed key. */
export function keychainAvailable(safe: SafeStorageLike): boolean {
  return safe.isEncryptionAvailable() && safe.getSelectedStorageBackend?.() !== 'basic_text';
}

/** Each context's header values as one string the keychain encrypted, in base64. */
export class KeychainSecretStore extends JsonSecretStore<string> {
  readonly where = 'the OS keychain';

  constructor(
    file: string,
    private readonly safe: SafeStorageLike,
  ) {
    super(file);
  }

  protected read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch (err) {
      throw new CredentialsError(`the keychain secrets file ${this.file} cannot be read: ${(err as Error).message}`);
    }
  }

  protected seal(headers: Record<string, string>): string {
    return this.safe.encryptString(JSON.stringify(headers)).toString('base64');
  }

  protected unseal(context: string, sealed: string): Record<string, string> {
    let text: string;
    try {
      text = this.safe.decryptString(Buffer.from(sealed, 'base64'));
    } catch (err) {
      throw new CredentialsError(
        `context ${context}: its secrets cannot be decrypted by the OS keychain (${(err as Error).message}); enter them again`,
      );
    }
    return JSON.parse(text) as Record<string, string>;
  }
}

/** The keychain when there is one, else the owner-only credentials file (named in `where`). */
export function desktopSecretStore(dataDir: string, safe: SafeStorageLike, credentialsFile: string): SecretStore {
  return keychainAvailable(safe)
    ? new KeychainSecretStore(path.join(dataDir, SECRETS_FILE), safe)
    : new FileSecretStore(credentialsFile);
}
