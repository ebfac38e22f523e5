// The spool: one folder per running try of a shell job, under the engine's data folder, written
// while the try runs so that an engine killed with kill -9 loses neither the output printed so
// far nor track of the processes it started.
//
//   <spool>/<id>/try.json   who: request, job, try, when it started, the owning engine (pid
//                           and start time), the try's token and cgroup
//   <spool>/<id>/stdout     the kept bytes of each stream, appended as they arrive (the same
//   <spool>/<id>/stderr     cap as the job log: at most maxOutputBytes each)
//   <spool>/<id>/stdout.dropped, stderr.dropped   how many bytes past the cap (when any)
//
// Writes go to the page cache at once (write(2), no fsync): they survive the engine being
// killed, not the machine losing power. A spool write that fails (disk full) stops spooling that
// stream; the job log is still built from memory. The folder is removed when the try is over.
// At start, the folders of engines that are gone are read back (leftovers) and removed once
// their log has been stored.

import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { cappedText, type OutputSink } from './capped-output';
import { isRunning } from './process-identity';

/** What try.json holds. */
export interface SpooledTryRecord {
  requestId: string;
  jobId: string;
  try: number;
  type: string;
  /** Unix nanoseconds, as decimal text. */
  startedAt: string;
  owner: { pid: number; startTime: number };
  /** SPINCYCLE_TRY_TOKEN of the try's processes. */
  token: string;
  /** The try's cgroup folder, or null (process group only). */
  cgroup: string | null;
}

/** A try found in the spool whose engine is gone. */
export interface LeftoverTry {
  record: SpooledTryRecord;
  stdout: string;
  stderr: string;
  /** When the spool last changed (Unix ns): the last sign of the try running. */
  lastWriteNs: bigint;
  remove(): void;
}

const STREAMS = ['stdout', 'stderr'] as const;

/** Appends one stream's kept bytes to its spool file; gives up quietly on the first failure. */
class SpoolStream implements OutputSink {
  private fd: number | null;
  private droppedFd: number | null = null;

  constructor(private readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  kept(chunk: Buffer): void {
    if (this.fd === null) return;
    try {
      writeSync(this.fd, chunk);
    } catch {
      this.close();
    }
  }

  dropped(totalBytes: number): void {
    if (this.fd === null) return;
    try {
      this.droppedFd ??= openSync(`${this.file}.dropped`, 'w');
      writeSync(this.droppedFd, String(totalBytes), 0);
    } catch {
      this.close();
    }
  }

  close(): void {
    for (const fd of [this.fd, this.droppedFd]) {
      if (fd !== null) closeSync(fd);
    }
    this.fd = this.droppedFd = null;
  }
}

/** The spool folder of one running try. */
export class SpooledTry {
  readonly stdout: SpoolStream;
  readonly stderr: SpoolStream;

  constructor(readonly dir: string) {
    this.stdout = new SpoolStream(path.join(dir, 'stdout'));
    this.stderr = new SpoolStream(path.join(dir, 'stderr'));
  }

  remove(): void {
    this.stdout.close();
    this.stderr.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class TrySpool {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Makes the try's folder and writes its record; throws when the disk refuses. */
  begin(record: SpooledTryRecord): SpooledTry {
    const id = createHash('sha256')
      .update(`${record.requestId}\0${record.jobId}\0${record.try}\0${record.token}`)
      .digest('hex')
      .slice(0, 32);
    const dir = path.join(this.dir, id);
    mkdirSync(dir);
    try {
      writeFileSync(path.join(dir, 'try.json'), JSON.stringify(record));
      return new SpooledTry(dir);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The tries left by engines that are no longer running (unreadable folders are removed). */
  leftovers(): LeftoverTry[] {
    const found: LeftoverTry[] = [];
    for (const name of readdirSync(this.dir)) {
      const dir = path.join(this.dir, name);
      const remove = () => rmSync(dir, { recursive: true, force: true });
      let record: SpooledTryRecord;
      try {
        record = JSON.parse(readFileSync(path.join(dir, 'try.json'), 'utf8')) as SpooledTryRecord;
      } catch {
        // Not written to the end (killed while starting the try): nothing to recover.
        if (!isRecentlyMade(dir)) remove();
        continue;
      }
      if (isRunning(record.owner.pid, record.owner.startTime)) continue; // another engine's, alive
      const [stdout, stderr] = STREAMS.map((s) => readStream(path.join(dir, s)));
      const lastWriteMs = Math.max(
        ...['try.json', ...STREAMS].map((f) =>
          existsSync(path.join(dir, f)) ? statSync(path.join(dir, f)).mtimeMs : 0,
        ),
      );
      found.push({
        record,
        stdout: stdout as string,
        stderr: stderr as string,
        lastWriteNs: BigInt(Math.round(lastWriteMs * 1e6)),
        remove,
      });
    }
    return found;
  }
}

function readStream(file: string): string {
  const kept = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  const dropped = existsSync(`${file}.dropped`) ? Number(readFileSync(`${file}.dropped`, 'utf8')) || 0 : 0;
  return cappedText(kept, dropped);
}

/** A folder made in the last minute may belong to an engine writing its record right now. */
function isRecentlyMade(dir: string): boolean {
  try {
    return Date.now() - statSync(dir).mtimeMs < 60_000;
  } catch {
    return true;
  }
}
