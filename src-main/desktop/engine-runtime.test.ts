// Which runtime runs the embedded engine under Electron, and which better-sqlite3 addon
// console main loads: decided from plain facts, so tested here without Electron.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ELECTRON_SQLITE_FILE as SCRIPT_FILE } from '../../scripts/prepare-electron-sqlite.js';
import { chooseEngineRuntime, engineEntry, findNodeOnPath, type RuntimeFacts } from './engine-runtime';
import { ELECTRON_SQLITE_FILE, electronSqliteBinding } from './sqlite-binding';

const facts = (over: Partial<RuntimeFacts> & { files?: string[] } = {}): RuntimeFacts => {
  const files = new Set(over.files ?? ['/usr/bin/node']);
  return {
    isPackaged: false,
    env: { PATH: '/usr/local/bin:/usr/bin' },
    platform: 'linux',
    isExecutable: (f) => files.has(f),
    ...over,
  };
};

describe('chooseEngineRuntime', () => {
  it('development: Node from SPINCYCLE_NODE, else on PATH', () => {
    expect(
      chooseEngineRuntime(facts({ env: { SPINCYCLE_NODE: '/opt/node/bin/node' }, files: ['/opt/node/bin/node'] })),
    ).toMatchObject({ kind: 'node', nodePath: '/opt/node/bin/node' });
    expect(chooseEngineRuntime(facts())).toMatchObject({ kind: 'node', nodePath: '/usr/bin/node' });
  });

  it('development without any Node: no engine, with the reason', () => {
    const r = chooseEngineRuntime(facts({ files: [] }));
    expect(r).toMatchObject({ kind: 'none' });
    expect(r.why).toMatch(/no Node.js found/);
  });

  it("packaged: Electron's utilityProcess; the override wins", () => {
    expect(chooseEngineRuntime(facts({ isPackaged: true }))).toMatchObject({ kind: 'utility' });
    expect(
      chooseEngineRuntime(facts({ isPackaged: true, env: { SPINCYCLE_ENGINE_RUNTIME: 'node', PATH: '/usr/bin' } })),
    ).toMatchObject({ kind: 'node', nodePath: '/usr/bin/node' });
    expect(chooseEngineRuntime(facts({ env: { SPINCYCLE_ENGINE_RUNTIME: 'utility' } }))).toMatchObject({
      kind: 'utility',
    });
  });

  it('finds node.exe on a Windows Path', () => {
    const win = facts({ platform: 'win32', env: { Path: 'C:\\Windows;C:\\Program Files\\nodejs' } });
    expect(findNodeOnPath({ ...win, isExecutable: (f) => f === 'C:\\Program Files\\nodejs\\node.exe' })).toBe(
      'C:\\Program Files\\nodejs\\node.exe',
    );
  });
});

describe('engineEntry', () => {
  const root = path.resolve(import.meta.dirname, '../..');

  it('is the compiled `spincycle` the build emits (vitest builds before the tests)', () => {
    expect(engineEntry(root)).toBe(path.join(root, 'out/main/spincycle.js'));
    expect(existsSync(engineEntry(root))).toBe(true);
  });

  it('is packaged outside app.asar, with no sources beside it', () => {
    const builder = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as {
      files: string[];
      asarUnpack: string[];
    };
    expect(builder.files).toContain('out/**');
    expect(builder.files.filter((f) => /^!?(src-main|src-renderer|bin|test)\b/.test(f))).toEqual([]);
    expect(builder.asarUnpack).toContain('out/main/**');
  });
});

describe('electronSqliteBinding', () => {
  const appPath = '/work/app';
  it('looks where scripts/prepare-electron-sqlite.js writes', () => {
    expect(ELECTRON_SQLITE_FILE).toBe(SCRIPT_FILE);
  });

  it('development: the separate Electron build, or a reason naming the command', () => {
    const file = `${appPath}/${ELECTRON_SQLITE_FILE}`;
    expect(electronSqliteBinding({ isPackaged: false, appPath, env: {}, exists: (f) => f === file })).toEqual({
      ok: true,
      nativeBinding: file,
    });
    const missing = electronSqliteBinding({ isPackaged: false, appPath, env: {}, exists: () => false });
    expect(missing).toMatchObject({ ok: false });
    if (!missing.ok) expect(missing.reason).toMatch(/npm run prepare:electron-sqlite/);
  });

  it("packaged: the app's own (Electron) copy; an explicit override must exist", () => {
    expect(electronSqliteBinding({ isPackaged: true, appPath, env: {}, exists: () => false })).toEqual({ ok: true });
    expect(
      electronSqliteBinding({
        isPackaged: true,
        appPath,
        env: { SPINCYCLE_SQLITE_BINDING: '/x.node' },
        exists: () => false,
      }),
    ).toMatchObject({ ok: false });
  });
});
