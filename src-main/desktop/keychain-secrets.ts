// The desktop app's secret store: a context's header values encrypted with Electron's
// safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows, the Secret Service or
// KWallet on Linux), kept as ciphertext in `secrets.json` beside the cache (mode 600). Where
// safeStorage has no real keychain (Linux without one: its `basic_text` backend protects
// nothing), the secrets go to the owner-only credentials file instead, and `where` says so.

import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CredentialsError, FileSecretStore, type SecretStore } from '../console/credentials';

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

export class KeychainSecretStore implements SecretStore {
  readonly where = 'the OS keychain';

  constructor(
    readonly file: string,
    private readonly safe: SafeStorageLike,
  ) {}

  private read(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch (err) {
      throw new CredentialsError(`the keychain secrets file ${this.file} cannot be read: ${(err as Error).message}`);
    }
  }

  private write(all: Record<string, string>): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  get(context: string): Record<string, string> {
    const sealed = this.read()[context];
    if (sealed === undefined) return {};
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

  set(context: string, headers: Record<string, string>): void {
    const all = this.read();
    if (Object.keys(headers).length === 0) delete all[context];
    else all[context] = this.safe.encryptString(JSON.stringify(headers)).toString('base64');
    this.write(all);
  }

  rename(from: string, to: string): void {
    const all = this.read();
    if (all[from] === undefined) return;
    all[to] = all[from];
    delete all[from];
    this.write(all);
  }
}

/** The keychain when there is one, else the owner-only credentials file (named in `where`). */
export function desktopSecretStore(dataDir: string, safe: SafeStorageLike, credentialsFile: string): SecretStore {
  return keychainAvailable(safe)
    ? new KeychainSecretStore(path.join(dataDir, SECRETS_FILE), safe)
    : new FileSecretStore(credentialsFile);
}
