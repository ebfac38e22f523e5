// Stopping a chain whose shell job has children: the whole process group dies, the chain ends
// STOPPED with every job logged (a fix of the original, where stop left such a chain hanging).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_COMPLETE, STATE_STOPPED, STATE_TIMEOUT } from '../../shared/proto';
import { builtinJobTypes } from '../jobs/builtins';
import { JobFactory } from '../jobs/job';
import { silentLogger } from '../log';
import { JobRunner } from './job-runner';
import { RecordingRm } from '../../../test/support/engine/jr/recording-rm';
import { RequestManagerHttpLink } from './rm-http-link';
import { chainOf, job, noop } from '../../../test/support/engine/jr/test-chains';

let rm: RecordingRm | undefined;
let jr: JobRunner | undefined;

afterEach(async () => {
  await jr?.close({ drainMs: 500 });
  await rm?.close();
});

async function start(killGraceMs: number, abandonAfterMs = 10_000): Promise<JobRunner> {
  rm = await new RecordingRm().start();
  jr = new JobRunner({
    factory: new JobFactory(builtinJobTypes({ killGraceMs })),
    rm: new RequestManagerHttpLink(rm.url),
    logger: silentLogger,
    abandonAfterMs,
  });
  return jr;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function pidsFrom(file: string, count: number): Promise<number[]> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (existsSync(file)) {
      const pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
      if (pids.length >= count) return pids;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the command did not write its pids');
}

async function allGone(pids: number[]): Promise<boolean> {
  const deadline = Date.now() + 3000;
  while (Date.now() < deadline) {
    if (!pids.some(alive)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const pidFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'sc-jr-')), 'pids');

describe('stopping shell jobs through the JR', () => {
  it('kills the whole process group; the chain ends STOPPED with every job logged', async () => {
    const jr = await start(5000);
    const file = pidFile();
    const cmd = `sleep 100 & echo $! >> ${file}; sleep 100 & echo $! >> ${file}; echo $$ >> ${file}; wait`;
    await jr.createJobChain(
      chainOf('stop-1', { start: noop(), work: job('shell', { cmd, env: {} }), after: noop(), end: noop() }, [
        ['start', 'work'],
        ['work', 'after'],
        ['after', 'end'],
      ]),
    );
    const pids = await pidsFrom(file, 3);
    expect(pids.every(alive)).toBe(true);
    await jr.stopJobChain('stop-1');
    expect(await rm!.waitForFinish('stop-1')).toBe(STATE_STOPPED);
    expect(await allGone(pids)).toBe(true);
    expect(rm!.logsOf('stop-1').map((l) => [l.jobId, l.try, l.state, l.exit, l.error])).toEqual([
      ['start', 1, STATE_COMPLETE, 0, ''],
      ['work', 1, STATE_STOPPED, 143, 'killed by SIGTERM'],
      ['after', 0, STATE_STOPPED, 1, 'not starting job because the request was stopped'],
      ['end', 0, STATE_STOPPED, 1, 'not starting job because the request was stopped'],
    ]);
  });

  it('SIGKILLs a job ignoring SIGTERM after the grace', async () => {
    const jr = await start(300);
    const file = pidFile();
    const cmd = `trap "" TERM; sleep 100 & echo $! >> ${file}; echo $$ >> ${file}; wait; wait`;
    await jr.createJobChain(chainOf('stop-2', { work: job('shell', { cmd }) }, []));
    const pids = await pidsFrom(file, 2);
    const t0 = Date.now();
    await jr.stopJobChain('stop-2');
    expect(await rm!.waitForFinish('stop-2')).toBe(STATE_STOPPED);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await allGone(pids)).toBe(true);
    expect(rm!.logsOf('stop-2').map((l) => [l.try, l.state, l.exit, l.error])).toEqual([
      [1, STATE_STOPPED, 137, 'killed by SIGKILL'],
    ]);
  });

  it('a shell try over its timeout is killed, logged TIMEOUT, and retried', async () => {
    const jr = await start(5000);
    const cmd = 'if [ "$SPINCYCLE_TRY" = 1 ]; then sleep 30; fi; echo "try $SPINCYCLE_TRY"';
    await jr.createJobChain(
      chainOf('timeout-1', { work: job('shell', { cmd }, { retry: 1, retryWait: 50, args: { timeout: 200 } }) }, []),
    );
    expect(await rm!.waitForFinish('timeout-1')).toBe(STATE_COMPLETE);
    expect(rm!.logsOf('timeout-1').map((l) => [l.try, l.state, l.exit, l.error, l.stdout])).toEqual([
      [1, STATE_TIMEOUT, 143, 'timeout after 200ms', ''],
      [2, STATE_COMPLETE, 0, '', 'try 2\n'],
    ]);
  });
});
