// The `shell` job type: runs its `cmd` arg with `/bin/sh -c` in its own process group.
// Every other arg is exported as ARG_<name> (strings as they are, anything else as JSON), plus
// SPINCYCLE_REQUEST_ID, SPINCYCLE_JOB_ID and SPINCYCLE_TRY. The real exit code is kept
// (the original's example job always reported 1); a signal becomes 128+n and `killed by SIGx`.
// While a try runs, its status is the last line the command printed, and what it printed so far
// can be read (output()).
// Stop (or the run's abort signal) terminates the whole process group (and the try's cgroup);
// what the command leaves running when it exits is terminated too (process-group.ts).
//
// Serialized bytes: {"cmd": string, "env": {name: string}} (what the original's peer job sent).

import { STATE_COMPLETE, STATE_FAIL, STATE_STOPPED, type JsonObject } from '../../shared/proto';
import type { Job, JobReturn, JobType, RunContext, TryOutput } from './job';
import { argText, formatSeconds, jsonBytes, parseJsonBytes, requireStringArg } from './job-args';
import { startProcessGroup, type RunningProcessGroup } from './process-group';
import type { TryKeeper } from './try-keeper';

export interface ShellJobOptions {
  /** Per stream (stdout, stderr). */
  maxOutputBytes: number;
  /** Between SIGTERM and SIGKILL on stop. */
  killGraceMs: number;
  /** How long to wait for stdout/stderr to close after the shell exits. */
  stdioDrainMs: number;
  /** Contains and spools each try (cgroup, spool folder); none: process group, memory only. */
  keeper?: TryKeeper;
}

interface ShellSpec {
  cmd: string;
  env: Record<string, string>;
}

const STATUS_CMD_CHARS = 40;

function shortCommand(cmd: string): string {
  const oneLine = cmd.replace(/\s+/g, ' ').trim();
  return oneLine.length > STATUS_CMD_CHARS ? `${oneLine.slice(0, STATUS_CMD_CHARS)}…` : oneLine;
}

class ShellJob implements Job {
  private spec: ShellSpec | null = null;
  private current: { group: RunningProcessGroup; startedMs: number } | null = null;
  private lastExit: number | null = null;

  constructor(private readonly options: ShellJobOptions) {}

  create(args: JsonObject): void {
    const cmd = requireStringArg(args, 'cmd');
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(args)) {
      if (name !== 'cmd' && value !== undefined) env[name] = argText(value);
    }
    this.spec = { cmd, env };
  }

  serialize(): Uint8Array {
    if (!this.spec) throw new Error('shell job: serialize called before create');
    return jsonBytes(this.spec);
  }

  deserialize(bytes: Uint8Array | null): void {
    const v = parseJsonBytes(bytes, 'shell');
    if (typeof v.cmd !== 'string') throw new Error('shell job bytes: cmd not set or not a string');
    const env: Record<string, string> = {};
    if (v.env !== undefined && v.env !== null) {
      if (typeof v.env !== 'object' || Array.isArray(v.env)) throw new Error('shell job bytes: env must be an object');
      for (const [name, value] of Object.entries(v.env)) {
        env[name] = typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    this.spec = { cmd: v.cmd, env };
  }

  async run(_data: JsonObject, ctx: RunContext): Promise<JobReturn> {
    const spec = this.spec;
    if (!spec) return { state: STATE_FAIL, exit: 1, error: 'shell job was not deserialized', stdout: '', stderr: '' };
    if (ctx.signal.aborted) {
      return { state: STATE_STOPPED, exit: 1, error: 'not started: the job was stopped', stdout: '', stderr: '' };
    }
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(spec.env)) {
      if (!name.includes('=') && !name.includes('\0')) env[`ARG_${name}`] = value;
    }
    env.SPINCYCLE_REQUEST_ID = ctx.requestId;
    env.SPINCYCLE_JOB_ID = ctx.jobId;
    env.SPINCYCLE_TRY = String(ctx.try);

    const group = startProcessGroup({
      command: spec.cmd,
      env,
      signal: ctx.signal,
      maxOutputBytes: this.options.maxOutputBytes,
      killGraceMs: this.options.killGraceMs,
      stdioDrainMs: this.options.stdioDrainMs,
      ...(this.options.keeper ? { container: this.options.keeper.begin(ctx) } : {}),
    });
    this.current = { group, startedMs: performance.now() };
    const r = await group.result;
    this.current = null;
    this.lastExit = r.exit;

    const out = { exit: r.exit, stdout: r.stdout, stderr: r.stderr };
    if (r.spawnError !== null) return { ...out, state: STATE_FAIL, error: `cannot start /bin/sh: ${r.spawnError}` };
    if (r.signal === null && r.exit === 0) return { ...out, state: STATE_COMPLETE, error: '' };
    const error = r.signal !== null ? `killed by ${r.signal}` : `exit status ${r.exit}`;
    return { ...out, state: r.terminated ? STATE_STOPPED : STATE_FAIL, error };
  }

  stop(): void {
    this.current?.group.terminate();
  }

  output(): TryOutput | null {
    return this.current?.group ?? null;
  }

  /** The last line the running command printed; before it printed any, what it runs. */
  status(): string {
    const cmd = this.spec ? shortCommand(this.spec.cmd) : '';
    if (this.current) {
      const line = this.current.group.lastLine();
      if (line !== '') return line;
      const pid = this.current.group.pid ?? '?';
      return `running ${JSON.stringify(cmd)} (pid ${pid}, ${formatSeconds(performance.now() - this.current.startedMs)})`;
    }
    if (this.lastExit !== null) return `done running ${JSON.stringify(cmd)} (exit ${this.lastExit})`;
    return `ready to run ${JSON.stringify(cmd)}`;
  }
}

export function shellJobType(options: ShellJobOptions): JobType {
  return {
    type: 'shell',
    description: 'Runs the cmd arg with /bin/sh -c; other args are exported as ARG_<name>.',
    make: () => new ShellJob(options),
  };
}
