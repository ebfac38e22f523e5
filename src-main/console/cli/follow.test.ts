// `spincycle log <request> <job> --follow` as a process, against the real engine: lines appear
// on its stdout while the job still runs (the job waits for a file the test creates only once
// they have), and it exits with the job's exit code when the try ends; against an RM without
// the live-output route (the original: a proxy answering 404 there) it prints the status, then
// the output, with the same exit code; a v2 server (its recorded running moment) is never asked
// for it, and its job can be named by its v2 name.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hidingProxy, type HidingProxy } from '../../../test/support/hiding-proxy';
import { RUNNING_DEMO, replayV2RunningMoment } from '../../../test/support/v2-world';
import { SCRIPT_SPEC, gate } from '../../../test/support/live-jobs';
import { RmClient } from '../client/rm-client';
import { EmbeddedEngine } from '../embedded-engine';
import { exitCodeOf } from './follow';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(root, 'bin/spincycle.js');
let engine: EmbeddedEngine;
let url: string;
let proxy: HidingProxy;

beforeAll(async () => {
  const specsDir = mkdtempSync(path.join(tmpdir(), 'sc-follow-specs-'));
  writeFileSync(path.join(specsDir, 'live.yaml'), SCRIPT_SPEC);
  engine = new EmbeddedEngine({ cliPath: BIN, specsDir, dataDir: mkdtempSync(path.join(tmpdir(), 'sc-follow-')) });
  url = await engine.start();
  proxy = await hidingProxy(url, /\/output\//);
});
afterAll(async () => {
  await proxy.close();
  await engine.stop();
});

async function start(script: string): Promise<{ id: string; jobId: string }> {
  const rm = new RmClient({ baseUrl: url });
  const r = await rm.createRequest('live', { script });
  return { id: r.id, jobId: Object.keys((await rm.jobChain(r.id)).jobs)[0] as string };
}

/** `spincycle --addr <rm> log <id> <job> --follow` as a child process. */
function follow(rm: string, id: string, jobId: string) {
  const child = spawn(process.execPath, [BIN, '--addr', rm, 'log', id, jobId, '--follow'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen = { out: '', err: '' };
  child.stdout.on('data', (d: Buffer) => (seen.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (seen.err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const until = async (what: string, ok: () => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${JSON.stringify(seen)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { seen, exit, until, kill: () => child.kill() };
}

describe('spincycle log --follow', () => {
  it("prints the output while the job runs and exits with the job's exit code", async () => {
    const end = gate();
    const { id, jobId } = await start(`echo first; echo oops >&2; ${end.wait}; printf 'last\\r\\n'; exit 7`);
    const f = follow(url, id, jobId);
    await f.until('the first lines', () => f.seen.out === 'first\n' && f.seen.err === 'oops\n');
    expect(existsSync(end.file)).toBe(false); // the job still runs: it waits for this file
    end.open();
    expect(await f.exit).toBe(7);
    expect(f.seen.out).toBe('first\nlast\n');
    expect(f.seen.err).toBe('oops\n');
  });

  it("against an RM without live output: the status while it runs, then the output and the job's exit code", async () => {
    const end = gate();
    const { id, jobId } = await start(`echo halfway there; ${end.wait}; echo done`);
    const f = follow(proxy.url, id, jobId);
    await f.until('the status', () => f.seen.err.includes(`${jobId}: halfway there`));
    expect(f.seen.err).toContain('does not serve live output');
    expect(f.seen.out).toBe('');
    end.open();
    expect(await f.exit).toBe(0);
    expect(f.seen.out).toBe('halfway there\ndone\n');
  });

  it('against a v2 server: the status of the job named, by its name, without asking for live output', async () => {
    const peer = await replayV2RunningMoment();
    try {
      const f = follow(peer.url, RUNNING_DEMO, 'nap');
      await f.until('the status', () => f.seen.err.includes('nap (y3dr): sleeping 6s since 2026-12-02T18:08:29Z'));
      expect(f.seen.err).toContain('does not serve live output');
      expect(f.seen.out).toBe('');
      expect(peer.received.filter((r) => r.path.includes('/output/'))).toEqual([]);
      f.kill();
      await f.exit;
    } finally {
      await peer.close();
    }
  });

  it('refuses --follow without a job, or with --json', async () => {
    const usage = (...args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, '--addr', url, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => resolve({ code, err }));
      });
    expect(await usage('log', 'abc', '--follow')).toMatchObject({
      code: 2,
      err: expect.stringContaining('<job> --follow'),
    });
    expect(await usage('--json', 'log', 'abc', 'j@1', '--follow')).toMatchObject({ code: 2 });
  });

  it('maps a try to an exit code: 0 only for COMPLETE', () => {
    expect(exitCodeOf(3, 0)).toBe(0);
    expect(exitCodeOf(4, 3)).toBe(3);
    expect(exitCodeOf(4, 0)).toBe(1);
    expect(exitCodeOf(4, -1)).toBe(1);
    expect(exitCodeOf(4, 256)).toBe(1);
    expect(exitCodeOf(6, 143)).toBe(143);
  });
});
