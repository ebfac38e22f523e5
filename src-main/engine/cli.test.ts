// The spincycle command line: help, usage errors (exit 2) and a real `server` start/stop
// through bin/spincycle.js.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './cli';

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(
    argv,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/spincycle.js');

describe('spincycle CLI', () => {
  it('prints help', async () => {
    const top = await run('--help');
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/server .*\n.*rm .*\n.*jr /);
    const server = await run('server', '--help');
    expect(server.code).toBe(0);
    expect(server.out).toContain('--specs DIR');
    expect((await run()).code).toBe(2);
  });

  it('refuses bad usage with exit 2 and a clear message', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['nope'], /unknown command "nope"/],
      [['server', '--bogus'], /Unknown option '--bogus'/],
      [['server'], /--specs is required/],
      [['server', '--specs', '/no/such/dir'], /--specs \/no\/such\/dir: no such folder/],
      [['server', '--specs', BIN], /not a folder/],
      [['server', '--specs', '.', '--rm-addr', 'localhost'], /--rm-addr: invalid address "localhost"/],
      [['rm', '--specs', '.'], /--jr-url is required/],
      [['rm', '--specs', '.', '--jr-url', 'not a url'], /--jr-url not a url: not a URL/],
      [['jr', '--rm-url', 'ftp://x'], /only http/],
      [['server', '--specs', '.', 'extra'], /Unexpected argument 'extra'/],
      [['rm', '--specs', '.', '--jr-url', 'http://a:1,,http://b:2'], /--jr-url: an empty URL in the list/],
      [
        ['rm', '--specs', '.', '--jr-url', 'http://a:1', '--jr-url', 'http://a:1'],
        /--jr-url http:\/\/a:1: given twice/,
      ],
      [
        ['rm', '--specs', '.', '--jr-url', 'http://a:1', '--db', 'postgres://x/y'],
        /--db: postgres: only sqlite: and mysql:\/\//,
      ],
      [
        ['rm', '--specs', '.', '--jr-url', 'http://a:1', '--db', 'mysql://db.example.com/x'],
        /--db: the URL names no user/,
      ],
      [
        ['rm', '--specs', '.', '--jr-url', 'http://a:1', '--db', 'mysql://u@db.example.com'],
        /--db: the URL names no database/,
      ],
      [['rm', '--specs', '.', '--jr-url', 'http://a:1', '--db', 'sqlite:'], /--db: sqlite:: no file after sqlite:/],
      [
        ['rm', '--specs', '.', '--jr-url', 'http://a:1', '--db-password-file', BIN],
        /--db-password-file goes with --db mysql/,
      ],
      [
        ['rm', '--specs', '.', '--jr-url', 'http://a:1', '--db', 'mysql://u:pw@h/d', '--db-password-file', BIN],
        /--db names a password already/,
      ],
      [['jr', '--rm-url', 'http://a:1', '--grace', 'soon'], /--grace soon: expected a duration such as 30s/],
      [['jr', '--rm-url', 'http://a:1', '--grace', '2d'], /--grace 2d: expected a duration/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.err).toMatch(message);
    }
  });

  it('refuses invalid specs with exit 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-'));
    try {
      writeFileSync(path.join(dir, 'bad.yaml'), 'sequences: [1, 2\n');
      const r = await run(
        'server',
        '--specs',
        dir,
        '--data',
        ':memory:',
        '--rm-addr',
        '127.0.0.1:0',
        '--jr-addr',
        '127.0.0.1:0',
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/invalid request specs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bin/spincycle.js serves until SIGTERM, then exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-'));
    try {
      writeFileSync(
        path.join(dir, 'hello.yaml'),
        'noop-node: {category: job, type: noop}\nsequences:\n  hi:\n    nodes:\n      a: {category: job, type: noop}\n',
      );
      const child = spawn(
        process.execPath,
        [
          BIN,
          'server',
          '--specs',
          dir,
          '--data',
          path.join(dir, 'data'),
          '--rm-addr',
          '127.0.0.1:0',
          '--jr-addr',
          '127.0.0.1:0',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      const started = new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /engine started rm=(\S+)/.exec(err);
          if (m) resolve(m[1] as string);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
      });
      const rmUrl = await started;
      const list = await fetch(`${rmUrl}/api/v1/request-list`);
      expect(JSON.parse(await list.text())).toEqual([{ Name: 'hi', Args: null }]);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toMatch(/engine stopped/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
