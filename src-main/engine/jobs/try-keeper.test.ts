// What a shell try leaves behind, with the engine's TryKeeper: nothing, where the machine allows
// cgroups (`cmd &`, `setsid cmd &` and daemons are killed when the command exits or is
// stopped); without cgroups, the process group (`cmd &`) only: a `setsid` child escapes until
// the next start. The spool holds the output while the try runs, capped as the job log is, and
// is gone once the try is over. Real processes, real cgroups (when available), real files.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_FAIL, STATE_STOPPED } from '../../shared/proto';
import { silentLogger } from '../log';
import { builtinJobTypes } from './builtins';
import { JobFactory, type Job } from './job';
import { leftoversMarker } from './process-group';
import { processStartTime } from './process-identity';
import { INTERRUPTED_TRY, TryKeeper } from './try-keeper';
import { TrySpool } from './try-spool';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sc-keeper-'));
const keepers: TryKeeper[] = [];
afterAll(() => {
  for (const k of keepers) k.close();
  rmSync(tmp, { recursive: true, force: true });
});

function keeper(name: string, cgroups: boolean): TryKeeper {
  const k = TryKeeper.open(path.join(tmp, name), silentLogger, { cgroups });
  keepers.push(k);
  return k;
}

function shellJob(cmd: string, k: TryKeeper, opts: Parameters<typeof builtinJobTypes>[0] = {}): Job {
  const f = new JobFactory(builtinJobTypes({ keeper: k, killGraceMs: 300, ...opts }));
  const rmSide = f.make('shell', 'sh@1');
  rmSide.create({ cmd });
  const job = f.make('shell', 'sh@1');
  job.deserialize(rmSide.serialize());
  return job;
}

const ctx = (signal = new AbortController().signal) => ({ requestId: 'req', jobId: 'sh@1', try: 1, signal });
const alive = (pid: number) => processStartTime(pid) !== null;

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`still not ${what} after 5 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A command that starts a background child and a child in its own session, writes their pids,
 * and exits once the second one is in its session.
 */
const LEAVES_TWO = (pidFile: string) =>
  `sleep 300 & echo $! >> ${pidFile}
   setsid sh -c 'echo $$ >> ${pidFile}; exec sleep 300' &
   while [ "$(wc -l < ${pidFile})" -lt 2 ]; do sleep 0.01; done
   echo done`;
const pidsIn = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);

const cgroupKeeper = keeper('cgroups', true);
const withCgroups = cgroupKeeper.cgroupsUnavailable === null;

describe.skipIf(!withCgroups)(
  `each try in its own cgroup${withCgroups ? '' : ` (unavailable here: ${cgroupKeeper.cgroupsUnavailable})`}`,
  () => {
    it('when the command exits, everything it left running is killed, setsid children too', async () => {
      const pidFile = path.join(tmp, 'cg-exit');
      const r = await shellJob(LEAVES_TWO(pidFile), cgroupKeeper).run({}, ctx());
      expect(r).toMatchObject({
        state: STATE_COMPLETE,
        exit: 0,
        stdout: 'done\n',
        stderr: leftoversMarker(2, 300),
      });
      const pids = pidsIn(pidFile);
      await until('both children gone', () => !pids.some(alive));
      await until('the spool folder removed', () => readdirSync(path.join(tmp, 'cgroups')).length === 0);
    });

    it('stop kills a setsid child that ignores SIGTERM', async () => {
      const pidFile = path.join(tmp, 'cg-stop');
      const abort = new AbortController();
      const running = shellJob(
        `setsid sh -c 'trap "" TERM; echo $$ >> ${pidFile}; sleep 300' & sleep 300`,
        cgroupKeeper,
      ).run({}, ctx(abort.signal));
      await until('the child wrote its pid', () => existsSync(pidFile));
      abort.abort();
      expect(await running).toMatchObject({ state: STATE_STOPPED, error: 'killed by SIGTERM' });
      const [child] = pidsIn(pidFile) as [number];
      await until('the setsid child gone (SIGKILL after the grace)', () => !alive(child));
    });
  },
);

describe('process groups only (--job-cgroups off)', () => {
  const k = keeper('groups', false);

  it('when the command exits, its background children are killed; a setsid child escapes', async () => {
    const pidFile = path.join(tmp, 'pg-exit');
    const r = await shellJob(LEAVES_TWO(pidFile), k).run({}, ctx());
    expect(r).toMatchObject({
      state: STATE_COMPLETE,
      stdout: 'done\n',
      stderr: leftoversMarker(null, 300),
    });
    const [background, setsidChild] = pidsIn(pidFile) as [number, number];
    await until('the background child gone', () => !alive(background));
    expect(alive(setsidChild)).toBe(true); // out of the group's reach: the documented limit
    process.kill(setsidChild, 'SIGKILL');
  });

  it('a command that leaves nothing running gets no note', async () => {
    const r = await shellJob('echo ok', k).run({}, ctx());
    expect(r).toEqual({ state: STATE_COMPLETE, exit: 0, error: '', stdout: 'ok\n', stderr: '' });
  });
});

describe('the spool', () => {
  it('holds the output while the try runs, capped with the job log marker, and goes when it ends', async () => {
    const k = keeper('spool', false);
    const dir = path.join(tmp, 'spool');
    const abort = new AbortController();
    const running = shellJob(
      'head -c 3000 /dev/zero | tr "\\0" a; echo err >&2; touch ' + path.join(tmp, 'spooled') + '; sleep 300',
      k,
      { maxOutputBytes: 1000 },
    ).run({}, ctx(abort.signal));
    await until('the output is written', () => existsSync(path.join(tmp, 'spooled')));
    const [one] = readdirSync(dir) as [string];
    // The command has printed everything; the engine spools it as it reads the pipes.
    const spooled = (name: string) => path.join(dir, one, name);
    await until(
      'the output is spooled',
      () =>
        existsSync(spooled('stdout.dropped')) &&
        readFileSync(spooled('stdout.dropped'), 'utf8') === '2000' &&
        existsSync(spooled('stderr')) &&
        readFileSync(spooled('stderr'), 'utf8') === 'err\n',
    );
    expect(readFileSync(path.join(dir, one, 'stdout'), 'utf8')).toBe('a'.repeat(1000));
    expect(readFileSync(path.join(dir, one, 'stdout.dropped'), 'utf8')).toBe('2000');
    expect(readFileSync(path.join(dir, one, 'stderr'), 'utf8')).toBe('err\n');
    expect(JSON.parse(readFileSync(path.join(dir, one, 'try.json'), 'utf8'))).toMatchObject({
      requestId: 'req',
      jobId: 'sh@1',
      try: 1,
      owner: { pid: process.pid },
    });
    abort.abort();
    await running;
    await until('the spool folder removed', () => readdirSync(dir).length === 0);
  });

  it('hands back the tries of engines that are gone, capped and marked as the live log would be', () => {
    const dir = path.join(tmp, 'left');
    const spool = new TrySpool(dir);
    const gone = Number(execFileSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }));
    const record = {
      requestId: 'r1',
      jobId: 'j@1',
      try: 2,
      type: 'shell',
      startedAt: '1700000000000000000',
      token: 'x',
      cgroup: null,
    };
    const dead = spool.begin({ ...record, owner: { pid: gone, startTime: 1 } });
    dead.stdout.kept(Buffer.from('head'));
    dead.stdout.dropped(10);
    dead.stderr.kept(Buffer.from('oops\n'));
    spool.begin({
      ...record,
      requestId: 'r2',
      owner: { pid: process.pid, startTime: processStartTime(process.pid) as number },
    });

    const k = TryKeeper.open(dir, silentLogger, { cgroups: false });
    const recovered = k.recover();
    expect(recovered.map((t) => t.log)).toEqual([
      {
        requestId: 'r1',
        jobId: 'j@1',
        try: 2,
        type: 'shell',
        startedAt: 1700000000000000000n,
        finishedAt: expect.any(BigInt),
        state: STATE_FAIL,
        exit: -1,
        error: INTERRUPTED_TRY,
        stdout: 'head\n[spincycle: output truncated, 10 more bytes not kept]\n',
        stderr: 'oops\n',
      },
    ]); // r2 belongs to a running engine (this one): left alone
    recovered[0]?.remove();
    expect(readdirSync(dir)).toHaveLength(1);
  });
});
