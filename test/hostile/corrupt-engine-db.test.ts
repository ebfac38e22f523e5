// A damaged engine database at start (issue 14, item 2): random pages, an empty file, a
// truncated file, a bad header. Each is found at start (PRAGMA
// quick_check, or SQLite refusing the file), never after "engine started" as a 500 on every
// call. By default the file is moved aside, a warning names both paths, and the engine starts
// empty; with --on-damaged-db refuse it exits 1 with one stable line naming the file. A database
// from a newer engine is not damage: it is never moved, start-up refuses naming it.

import { mkdirSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE } from '../../src-main/shared/proto';
import { RmClient } from '../support/engine/integration/rm-client';
import { EXAMPLE_SPECS, crash, serverArgs, spawnCli, tempDir } from '../support/engine/integration/test-engine';
import { main } from '../../src-main/engine/cli';
import { createLogger, silentLogger } from '../../src-main/engine/log';
import { DATABASE_FILE, startEngine } from '../../src-main/engine/server';
import { SCHEMA_VERSION } from '../../src-main/engine/store/schema';

const tmp = tempDir();
afterAll(() => tmp.remove());

/** A database holding three finished requests, copied for each case. */
let pristine: Buffer;
beforeAll(async () => {
  const dataDir = path.join(tmp.dir, 'pristine');
  const engine = await startEngine({
    specsDir: EXAMPLE_SPECS,
    dataDir,
    rmAddr: '127.0.0.1:0',
    jrAddr: '127.0.0.1:0',
    logger: silentLogger,
  });
  const rm = new RmClient(engine.rmUrl);
  for (let i = 0; i < 3; i++) {
    const { id } = await rm.create('long-log', { lines: '2000' });
    expect((await rm.waitDone(id)).state).toBe(STATE_COMPLETE);
  }
  await engine.close(); // checkpoints: everything is in the main file
  pristine = readFileSync(path.join(dataDir, DATABASE_FILE));
  expect(pristine.length).toBeGreaterThan(10 * 4096);
});

let n = 0;
/** A data folder whose database is the pristine one spoiled by `spoil`. */
function dataDirWith(spoil: (file: string) => void): { dir: string; file: string } {
  const dir = path.join(tmp.dir, `case-${++n}`);
  const file = path.join(dir, DATABASE_FILE);
  mkdirSync(dir);
  writeFileSync(file, pristine);
  spoil(file);
  return { dir, file };
}

/** `spincycle server` in this process until it exits (a damaged or newer database, bad usage). */
async function refusedStart(dataDir: string, extra: string[] = []): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const args = serverArgs(EXAMPLE_SPECS, dataDir, ...extra);
  const code = await main(
    args,
    () => {},
    (t) => (stderr += t),
  );
  return { code, stderr };
}

/** Starts the engine on `dataDir`, checks it works, stops it; returns its log lines. */
async function startedEngine(dataDir: string): Promise<string[]> {
  const lines: string[] = [];
  const engine = await startEngine({
    specsDir: EXAMPLE_SPECS,
    dataDir,
    rmAddr: '127.0.0.1:0',
    jrAddr: '127.0.0.1:0',
    logger: createLogger('engine', (l) => lines.push(l)),
  });
  try {
    const rm = new RmClient(engine.rmUrl);
    const { id } = await rm.create('hello');
    expect((await rm.waitDone(id)).state).toBe(STATE_COMPLETE);
  } finally {
    await engine.close();
  }
  return lines;
}

const pageSize = 4096;
const SPOILERS: Record<string, (file: string) => void> = {
  'random pages': (file) => {
    const buf = readFileSync(file);
    for (let page = 1; page < buf.length / pageSize; page += 2) randomBytes(pageSize).copy(buf, page * pageSize);
    writeFileSync(file, buf);
  },
  'an empty file': (file) => truncateSync(file, 0),
  'a truncated file': (file) => truncateSync(file, Math.floor(statSync(file).size / 3)),
  'a bad header': (file) => {
    const buf = readFileSync(file);
    randomBytes(100).copy(buf, 0);
    writeFileSync(file, buf);
  },
};

describe('a damaged engine database at start', () => {
  for (const [what, spoil] of Object.entries(SPOILERS)) {
    it(`${what}: moved aside (both paths named), the engine starts empty and works`, async () => {
      const { dir, file } = dataDirWith(spoil);
      const damaged = readFileSync(file);
      const lines = await startedEngine(dir);
      const moved = readdirSync(dir).filter((f) => f.startsWith(`${DATABASE_FILE}.damaged-`) && !/-(wal|shm)$/.test(f));
      expect(moved).toHaveLength(1);
      const movedTo = path.join(dir, moved[0] as string);
      expect(readFileSync(movedTo).equals(damaged)).toBe(true); // kept as it was, for recovery
      const warning = lines.findIndex((l) => l.includes('the engine database was damaged'));
      expect(lines[warning]).toContain(`file=${file}`);
      expect(lines[warning]).toContain(`movedTo=${movedTo}`);
      expect(warning).toBeLessThan(lines.findIndex((l) => l.includes('engine started')));
    });

    it(`${what}: --on-damaged-db refuse exits 1 with one line naming the file`, async () => {
      const { dir, file } = dataDirWith(spoil);
      const run = await refusedStart(dir, ['--on-damaged-db', 'refuse']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(
          `^spincycle server: the engine database ${escape(file)} is damaged: .+\\. Not starting \\(--on-damaged-db refuse\\)`,
        ),
      );
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([DATABASE_FILE]);
    });
  }

  it('the real command: damage is found before "engine started"; refusing says the same every time', async () => {
    const { dir, file } = dataDirWith(SPOILERS['random pages'] as (f: string) => void);
    const refuse = () => spawnCli(serverArgs(EXAMPLE_SPECS, dir, '--on-damaged-db', 'refuse'), / engine started /);
    const refusals = [
      await refuse().started.catch((e: Error) => e.message),
      await refuse().started.catch((e: Error) => e.message),
    ];
    expect(refusals[0]).toMatch(
      new RegExp(
        `^spincycle server exited 1: spincycle server: the engine database ${escape(file)} is damaged: .+\\n$`,
      ),
    );
    expect(refusals[1]).toBe(refusals[0]);

    const started = spawnCli(serverArgs(EXAMPLE_SPECS, dir), / engine started /);
    const up = await started.started;
    expect(up.input).toMatch(/the engine database was damaged: moved it aside[^\n]*\n(.*\n)*.* engine started /);
    await crash(started.child);
  });

  it('a database from a newer engine is never moved: start-up refuses, naming it', async () => {
    const { dir, file } = dataDirWith((f) => {
      const db = new Database(f);
      db.pragma('user_version = 99');
      db.close();
    });
    const run = await refusedStart(dir);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `spincycle server: cannot open the engine database ${file}: database schema version 99 is newer than this engine's (${SCHEMA_VERSION}); use a newer spincycle`,
    );
    expect(readdirSync(dir)).toEqual([DATABASE_FILE]);
  });

  it('an intact database starts as it was, even with refuse', async () => {
    const { dir } = dataDirWith(() => {});
    const lines = await startedEngine(dir);
    expect(lines.filter((l) => l.includes('damaged'))).toEqual([]);
    expect(readdirSync(dir).filter((f) => f.includes('damaged'))).toEqual([]);
  });

  it('an unknown --on-damaged-db value is a usage error', async () => {
    const run = await refusedStart(path.join(tmp.dir, 'unused'), ['--on-damaged-db', 'ignore']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--on-damaged-db ignore: expected move-aside or refuse');
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
