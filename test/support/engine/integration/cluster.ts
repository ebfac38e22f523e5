// A Spin Cycle cluster of real processes for the integration tests and the cluster bench:
// `spincycle rm` processes sharing one MariaDB database and `spincycle jr` processes that know
// every RM, on free loopback ports. Each process can be killed (kill -9), stopped (SIGTERM),
// frozen and thawed (SIGSTOP/SIGCONT: a JR that stops answering and comes back late).

import type { ChildProcess } from 'node:child_process';
import { crash, freePort, spawnCli } from './test-engine';

export interface ClusterProcess {
  url: string;
  child: ChildProcess;
  /** What it logged on stderr so far. */
  output(): string;
  /** kill -9; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM; resolves with its exit code once it is gone. */
  terminate(): Promise<number | null>;
  freeze(): void;
  thaw(): void;
}

export interface Cluster {
  rms: ClusterProcess[];
  jrs: ClusterProcess[];
  /** Stops whatever still runs (kill -9). */
  close(): Promise<void>;
}

export interface ClusterOptions {
  rms: number;
  jrs: number;
  specsDir: string;
  /** mysql://… of the shared database. */
  db: string;
  /** `--grace` of the JRs (default: theirs). */
  grace?: string;
  /** More flags for every JR (e.g. --jobs). */
  jrArgs?: string[];
}

function spawned(args: string[], ready: RegExp): Promise<ClusterProcess> {
  const { child, started } = spawnCli(args, ready);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const gone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return started.then((m) => ({
    url: m[1] as string,
    child,
    output: () => err,
    kill: () => crash(child),
    terminate: () => {
      child.kill('SIGTERM');
      return gone;
    },
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
  }));
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const rmPorts = await Promise.all(Array.from({ length: opts.rms }, () => freePort()));
  const jrPorts = await Promise.all(Array.from({ length: opts.jrs }, () => freePort()));
  const rmUrls = rmPorts.map((p) => `http://127.0.0.1:${p}`);
  const jrUrls = jrPorts.map((p) => `http://127.0.0.1:${p}`);
  const all: ClusterProcess[] = [];
  const close = async () => {
    for (const p of all) {
      p.thaw();
      await p.kill();
    }
  };
  try {
    const jrs = await Promise.all(
      jrPorts.map((port) =>
        spawned(
          [
            'jr',
            '--rm-url',
            rmUrls.join(','),
            '--addr',
            `127.0.0.1:${port}`,
            '--data',
            ':memory:',
            ...(opts.grace ? ['--grace', opts.grace] : []),
            ...(opts.jrArgs ?? []),
          ],
          /job runner started url=(\S+)/,
        ).then((p) => (all.push(p), p)),
      ),
    );
    const rms: ClusterProcess[] = [];
    // One after the other: the first takes the background lease, as in a rolling start.
    for (const port of rmPorts) {
      const rm = await spawned(
        [
          'rm',
          '--specs',
          opts.specsDir,
          '--db',
          opts.db,
          '--addr',
          `127.0.0.1:${port}`,
          ...jrUrls.flatMap((u) => ['--jr-url', u]),
        ],
        /request manager started url=(\S+)/,
      );
      all.push(rm);
      rms.push(rm);
    }
    return { rms, jrs, close };
  } catch (err) {
    await close();
    throw err;
  }
}
