// The engine killed with kill -9 while a shell job runs (issue 14, item 4), through the real
// `spincycle server`. The job prints as it goes and starts a background child (`sleep &`) and a
// child in its own session (`setsid sleep`), which no process-group kill reaches.
// - What the try printed reaches the spool as it is printed, and the restarted engine stores it
//   in the try's FAIL log (the 2017 JobLog, unchanged).
// - The job's processes do not outlive the engine: they are orphaned by the kill, and killed when
//   the engine starts again: by their cgroup (--job-cgroups auto, where Linux allows) or by the
//   token in their environment (--job-cgroups off).

import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STATE_FAIL } from '../../src-main/shared/proto';
import { RmClient } from '../support/engine/integration/rm-client';
import { crash, serverArgs, spawnCli, tempDir } from '../support/engine/integration/test-engine';
import { INTERRUPTED_TRY } from '../../src-main/engine/jobs/try-keeper';
import { processStartTime } from '../../src-main/engine/jobs/process-identity';
import { REASONS } from '../../src-main/engine/rm/request-manager';

const specs = tempDir({
  'noisy.yaml': `noop-node: {category: job, type: noop}
sequences:
  noisy:
    args:
      required:
        - {name: pids, desc: file the job writes its pids to}
    nodes:
      noisy:
        category: job
        type: shell
        args:
          - expected: cmd
            value: |
              echo before; echo to stderr >&2
              sleep 300 & echo $! >> "$ARG_pids"
              setsid sleep 300 & echo $! >> "$ARG_pids"
              echo $$ >> "$ARG_pids"
              i=0; while :; do echo "tick $i"; i=$((i + 1)); sleep 0.02; done
          - {expected: pids, given: pids}
`,
});
const tmp = tempDir();
afterAll(() => {
  specs.remove();
  tmp.remove();
});

const alive = (pid: number) => processStartTime(pid) !== null;

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`still not ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const started: ChildProcess[] = [];
afterAll(async () => {
  for (const child of started) await crash(child); // a test that timed out leaves none running
});

function server(dataDir: string, cgroups: 'auto' | 'off') {
  const cli = spawnCli(serverArgs(specs.dir, dataDir, '--job-cgroups', cgroups), /engine started rm=(\S+)/);
  started.push(cli.child);
  return cli;
}

describe('kill -9 of the engine while a shell job runs', () => {
  for (const cgroups of ['auto', 'off'] as const) {
    it(`--job-cgroups ${cgroups}: the restart stores what was printed and kills what the job left`, async () => {
      const dataDir = path.join(tmp.dir, cgroups);
      const pidFile = path.join(tmp.dir, `${cgroups}.pids`);
      const spool = path.join(dataDir, 'spool');

      const first = server(dataDir, cgroups);
      const rm1 = new RmClient((await first.started)[1] as string);
      const { id } = await rm1.create('noisy', { pids: pidFile });
      const pids = await until('the job wrote its 3 pids', () => {
        const list = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : [];
        return list.length === 3 && list;
      });
      // Output is on disk while the try runs.
      const spooled = await until('the job printed tick 5 into the spool', () => {
        const dirs = existsSync(spool) ? readdirSync(spool) : [];
        const file = dirs.length === 1 ? path.join(spool, dirs[0] as string, 'stdout') : '';
        return file !== '' && existsSync(file) && readFileSync(file, 'utf8').includes('tick 5\n') && file;
      });
      expect(readFileSync(spooled, 'utf8')).toMatch(/^before\ntick 0\n/);

      await crash(first.child);
      const [background, setsidChild] = pids as [number, number, number];
      // kill -9 leaves the children running, orphaned...
      expect([alive(background), alive(setsidChild)]).toEqual([true, true]);

      // ...until the engine starts again.
      const second = server(dataDir, cgroups);
      try {
        const rm2 = new RmClient((await second.started)[1] as string);
        await until('every process of the job gone', () => !pids.some(alive));
        const r = await rm2.get(id);
        expect(r.state).toBe(STATE_FAIL);
        const logs = await rm2.logs(id);
        const tried = logs.find((l) => l.jobId === 'noisy@3' && l.try === 1);
        expect(tried).toMatchObject({ state: STATE_FAIL, exit: -1, error: INTERRUPTED_TRY, stderr: 'to stderr\n' });
        expect(tried?.stdout).toMatch(/^before\ntick 0\ntick 1\n(tick \d+\n)*$/);
        expect(tried?.stdout).toContain('tick 5\n');
        expect(tried?.finishedAt).toBeGreaterThan(tried?.startedAt ?? 0n);
        expect(logs.filter((l) => l.try === 0).map((l) => l.error)).toEqual([REASONS.engineRestarted]);
        expect(readdirSync(spool)).toEqual([]);
        const jobs = /engine started .* jobs="([^"]*)"/.exec((await second.started).input)?.[1];
        if (cgroups === 'off') expect(jobs).toBe('process group (no cgroup: turned off)');
        const cgroup = /^cgroup (\S+)\/spincycle-jobs\.\d+\.\d+\/t<n>$/.exec(jobs ?? '');
        if (cgroup) {
          // Where Linux allows cgroups, the dead engine's cgroup is gone too.
          const parent = cgroup[1] as string;
          expect(readdirSync(parent).filter((n) => n.startsWith(`spincycle-jobs.${first.child.pid}.`))).toEqual([]);
        }
      } finally {
        second.child.kill('SIGTERM');
        await new Promise((r) => second.child.once('exit', r));
      }
    });
  }
});
