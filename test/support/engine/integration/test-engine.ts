// Starting engines for the integration tests and the bench: the example specs folder, temp
// spec folders, free loopback ports, and a quiet logger.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXAMPLE_SPECS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../resources/specs');

/** A temp folder holding `files` (name -> text); remove() deletes it. */
export function tempDir(files: Record<string, string> = {}): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A loopback port that was free a moment ago (for an RM and JR that must know each other's URL). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A spec file with request type `name`: `count` noop jobs in parallel (plus 4 noops around them). */
export function wideNoopSpec(name: string): string {
  return `noop-node: {category: job, type: noop}
sequences:
  ${name}:
    args:
      required:
        - {name: items, desc: one noop job per element}
    nodes:
      work:
        category: job
        type: noop
        each: items:item
`;
}

/** A spec file with request type `name`: `count` noop jobs one after the other. */
export function deepNoopSpec(name: string, count: number): string {
  const nodes = Array.from({ length: count }, (_, i) =>
    i === 0 ? `      n0: {category: job, type: noop}` : `      n${i}: {category: job, type: noop, deps: [n${i - 1}]}`,
  );
  return `noop-node: {category: job, type: noop}\nsequences:\n  ${name}:\n    nodes:\n${nodes.join('\n')}\n`;
}

/** `n` distinct list elements for an `each`. */
export const items = (n: number) => Array.from({ length: n }, (_, i) => `i${i}`);

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../bin/spincycle.js');

/** The arguments of `spincycle server` on `specsDir` and `dataDir`, listening on free loopback ports. */
export function serverArgs(specsDir: string, dataDir: string, ...extra: string[]): string[] {
  return [
    'server',
    '--specs',
    specsDir,
    '--data',
    dataDir,
    '--rm-addr',
    '127.0.0.1:0',
    '--jr-addr',
    '127.0.0.1:0',
    ...extra,
  ];
}

/** `spincycle <args>` as a child process; `started` resolves with the first match of `ready` on stderr. */
export function spawnCli(args: string[], ready: RegExp): { child: ChildProcess; started: Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const started = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = ready.exec(err);
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`spincycle ${args[0]} exited ${code}: ${err}`)));
  });
  return { child, started };
}

/** SIGKILLs `child` (a crash: no clean shutdown) and waits for it to be gone. */
export function crash(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
