// The `spincycle` command as it ships: bin/spincycle.js and the compiled out/main (built once by
// test/support/build-once.ts), copied to a folder whose node_modules holds only the production
// dependencies of package-lock.json: no tsx, no TypeScript sources, no test support. The engine
// serves there, and the client started there drives it.

import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
}

/** The top-level packages `npm install --omit=dev` keeps, from package-lock.json. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  return Object.entries(lock.packages)
    .filter(([key, meta]) => key.startsWith('node_modules/') && !meta.dev && !meta.devOptional)
    .map(([key]) => key.slice('node_modules/'.length))
    .filter((name) => !name.includes('/node_modules/'));
}

/** bin/, out/main, package.json and the specs, with node_modules linking production packages only. */
function shippedCopy(withBuild: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-shipped-'));
  const parts = ['bin/spincycle.js', 'package.json', 'resources/specs', ...(withBuild ? ['out/main'] : [])];
  for (const part of parts) cpSync(path.join(root, part), path.join(dir, part), { recursive: true });
  for (const name of productionPackages()) {
    const installed = path.join(root, 'node_modules', name);
    if (!existsSync(installed)) continue; // an optional package for another platform
    const link = path.join(dir, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(installed, link, 'dir');
  }
  return dir;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const env = (dir: string): NodeJS.ProcessEnv => {
  const clean: NodeJS.ProcessEnv = { ...process.env, SPINCYCLE_DATA_DIR: path.join(dir, 'console') };
  delete clean.NODE_PATH;
  delete clean.NODE_OPTIONS;
  return clean;
};

function spincycle(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'bin/spincycle.js'), ...args], { cwd: dir, env: env(dir) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the shipped spincycle command', () => {
  let dir: string;
  beforeAll(() => {
    dir = shippedCopy(true);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has only production dependencies to run on', () => {
    const installed = productionPackages().filter((name) => existsSync(path.join(dir, 'node_modules', name)));
    expect(installed).toEqual(expect.arrayContaining(['better-sqlite3', 'ws', 'yaml', 'zod']));
    expect(existsSync(path.join(dir, 'node_modules/tsx'))).toBe(false);
    expect(existsSync(path.join(dir, 'node_modules/esbuild'))).toBe(false);
    expect(existsSync(path.join(root, 'node_modules/tsx'))).toBe(true); // so the check above means something
  });

  it('runs `server`, and `start`, `ps` and `stop` against it', async () => {
    const server = spawn(
      process.execPath,
      [
        path.join(dir, 'bin/spincycle.js'),
        'server',
        '--specs',
        path.join(dir, 'resources/specs'),
        '--data',
        path.join(dir, 'engine'),
        '--rm-addr',
        '127.0.0.1:0',
        '--jr-addr',
        '127.0.0.1:0',
      ],
      { cwd: dir, env: env(dir), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      const rmUrl = await new Promise<string>((resolve, reject) => {
        server.stderr.on('data', (d: Buffer) => {
          log += d.toString();
          const m = /engine started rm=(\S+)/.exec(log);
          if (m?.[1]) resolve(m[1]);
        });
        void exited.then((code) => reject(new Error(`spincycle server exited ${code}: ${log}`)));
      });

      const started = await spincycle(dir, '--addr', rmUrl, 'start', 'long-job', 'seconds=60');
      expect(started.stderr).toBe('');
      const id = /started long-job request (\S+)/.exec(started.stdout)?.[1];
      expect(id, started.stdout).toBeDefined();

      // `ps` lists running jobs: the request shows once its sleep job is running.
      let ps: Run = { code: null, stdout: '', stderr: '' };
      for (let i = 0; i < 100 && !/ nap@\S+$/m.test(ps.stdout); i++) {
        ps = await spincycle(dir, '--addr', rmUrl, 'ps');
        expect(ps.code, ps.stderr).toBe(0);
      }
      // TRY is a v2 server's; a 2017-protocol server does not say which try a job is on.
      expect(ps.stdout).toMatch(/^ID +TRY +NJOBS +TIME +TYPE +JOB$/m);
      expect(ps.stdout).toMatch(new RegExp(`^${id} +- +\\d+ +[\\d.]+s +long-job +nap@\\S+$`, 'm'));

      const stopped = await spincycle(dir, '--addr', rmUrl, 'stop', id as string);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect((await spincycle(dir, '--addr', rmUrl, 'ps')).stdout).not.toContain(id);
    } finally {
      server.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(log).toMatch(/engine stopped/);
  });

  it('warns, and still runs, when a source is newer than the build', async () => {
    mkdirSync(path.join(dir, 'src-main/engine'), { recursive: true });
    const source = path.join(dir, 'src-main/engine/edited.ts');
    writeFileSync(source, 'export {};\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    try {
      const r = await spincycle(dir, 'help');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe(
        'spincycle: warning: src-main/engine/edited.ts changed after the last build; run `npm run build`\n',
      );
      expect(r.stdout).toContain('spincycle server --specs DIR');
    } finally {
      rmSync(path.join(dir, 'src-main'), { recursive: true, force: true });
    }
  });

  it('says to build when out/ is missing', async () => {
    const bare = shippedCopy(false);
    try {
      const r = await spincycle(bare, 'ps');
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('spincycle: out/main/spincycle.js is missing: run `npm run build` first\n');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
