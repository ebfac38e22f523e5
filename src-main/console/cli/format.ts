// Human-readable output of the console CLI, from the console model (the `--json` output is the
// model itself). Follows spinc's layouts where it had one (status, log, ps), with readable local
// times; a v2 job reads by its name with its id beside it.

import {
  RequestState,
  stateLabel,
  type RequestType,
  type RmJobLog,
  type RmJobStatus,
  type RmRequest,
  type RmRunning,
} from '../../shared/console-model';

const time = (t: string | null): string => (t ? new Date(t).toLocaleString('sv-SE', { hour12: false }) : '-');

function seconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

function duration(r: RmRequest, nowMs: number): string {
  if (!r.startedAt) return '-';
  const end = r.finishedAt ? Date.parse(r.finishedAt) : nowMs;
  return seconds(Math.max(0, (end - Date.parse(r.startedAt)) / 1000));
}

/** `nap (y3dr)` for a v2 job, the id alone for a 2017 one (its id is its name). */
export const jobLabel = (j: { jobId: string; name: string | null }): string =>
  j.name ? `${j.name} (${j.jobId})` : j.jobId;

const FAILED = new Set<number>([RequestState.FAIL, RequestState.TIMEOUT]);

export function formatStatus(r: RmRequest, statuses: readonly RmJobStatus[], nowMs = Date.now()): string {
  const counts = new Map<string, number>();
  for (const j of statuses) counts.set(stateLabel(j.state), (counts.get(stateLabel(j.state)) ?? 0) + 1);
  const args = Object.entries(r.args ?? {}).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const lines = [
    `id:         ${r.id}`,
    `type:       ${r.type}`,
    `state:      ${stateLabel(r.state)}`,
    `user:       ${r.user}`,
    ...(r.args ? [`args:       ${args.join(' ') || '-'}`] : []),
    `jobs done:  ${r.finishedJobs} of ${r.totalJobs}`,
    `created:    ${time(r.createdAt)}`,
    `started:    ${time(r.startedAt)}`,
    `finished:   ${time(r.finishedAt)}`,
    `duration:   ${duration(r, nowMs)}`,
    `jobs:       ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || '-'}`,
  ];
  for (const j of statuses.filter((s) => s.status !== '')) lines.push(`  ${jobLabel(j)}: ${j.status}`);
  const failed = statuses.filter((j) => FAILED.has(j.state)).map(jobLabel);
  if (failed.length > 0) lines.push(`failed:     ${failed.join(', ')}`);
  return lines.join('\n');
}

const nsToIso = (ns: bigint): string => (ns === 0n ? '-' : new Date(Number(ns / 1_000_000n)).toISOString());

export function formatLogs(logs: readonly RmJobLog[]): string {
  return logs
    .map((l) => {
      const runtime = l.finishedAt > l.startedAt ? Number(l.finishedAt - l.startedAt) / 1e9 : 0;
      return [
        `job:      ${jobLabel(l)}`,
        `type:     ${l.type}`,
        `try:      ${l.try}`,
        `state:    ${stateLabel(l.state)}`,
        `exit:     ${l.exit}`,
        `error:    ${l.error}`,
        `runtime:  ${runtime.toFixed(6)}s`,
        `started:  ${nsToIso(l.startedAt)}`,
        `finished: ${nsToIso(l.finishedAt)}`,
        `stdout:   ${l.stdout}`,
        `stderr:   ${l.stderr}`,
      ].join('\n');
    })
    .join('\n--\n');
}

/** Running jobs, longest-running first; a runtime the server did not give reads `-`. */
export function formatPs(running: RmRunning, nowMs = Date.now()): string {
  if (running.jobs.length === 0) return '';
  const requests = new Map(running.requests.map((r) => [r.id, r]));
  const jobs = [...running.jobs].sort(
    (a, b) => (a.startedMs ?? Infinity) - (b.startedMs ?? Infinity) || (a.jobId < b.jobId ? -1 : 1),
  );
  const width = Math.max(2, ...jobs.map((j) => j.requestId.length));
  const rows = jobs.map((j) => {
    const r = requests.get(j.requestId);
    const runtime = j.startedMs === null ? '-' : seconds(Math.max(0, (nowMs - j.startedMs) / 1000));
    return `${j.requestId.padEnd(width)}  ${String(j.try ?? '-').padStart(3)}  ${String(r?.totalJobs ?? 0).padStart(5)}  ${runtime.padStart(7)}  ${(r?.type ?? '').padEnd(16)}  ${jobLabel(j)}`;
  });
  return [
    `${'ID'.padEnd(width)}  ${'TRY'.padStart(3)}  ${'NJOBS'.padStart(5)}  ${'TIME'.padStart(7)}  ${'TYPE'.padEnd(16)}  JOB`,
    ...rows,
  ].join('\n');
}

const defaultText = (v: unknown) => (v === '' ? '""' : typeof v === 'string' ? v : JSON.stringify(v));

/** Request types and the args a caller sets (* = required); static ones are the spec's, not shown. */
export function formatSpecs(types: readonly RequestType[]): string {
  return types
    .map((t) => {
      const args = t.args.filter((a) => a.kind !== 'static');
      const width = Math.max(0, ...args.map((a) => a.name.length));
      const lines = args.map((a) => {
        const required = a.kind === 'required';
        const def = required ? '' : ` (default: ${defaultText(a.default ?? '')})`;
        return `  ${required ? '*' : ' '} ${a.name.padEnd(width)}  ${a.desc}${def}`;
      });
      const head = t.startRefused === undefined ? t.name : `${t.name}  (not allowed: ${t.startRefused})`;
      return [head, ...lines].join('\n');
    })
    .join('\n\n');
}

export function formatRequest(r: RmRequest): string {
  return `${r.id}  ${stateLabel(r.state).padEnd(8)}  ${r.type}  ${r.finishedJobs}/${r.totalJobs} jobs`;
}

/** A found list, newest first: one request a line. */
export function formatRequests(list: readonly RmRequest[], nowMs = Date.now()): string {
  if (list.length === 0) return '';
  const w = (values: string[], min: number) => Math.max(min, ...values.map((v) => v.length));
  const ids = w(
    list.map((r) => r.id),
    2,
  );
  const states = w(
    list.map((r) => stateLabel(r.state)),
    5,
  );
  const types = w(
    list.map((r) => r.type),
    4,
  );
  const users = w(
    list.map((r) => r.user),
    4,
  );
  const line = (cols: string[]) => cols.join('  ').trimEnd();
  return [
    line([
      'ID'.padEnd(ids),
      'STATE'.padEnd(states),
      'TYPE'.padEnd(types),
      'USER'.padEnd(users),
      'CREATED            ',
      'JOBS',
      'TIME',
    ]),
    ...list.map((r) =>
      line([
        r.id.padEnd(ids),
        stateLabel(r.state).padEnd(states),
        r.type.padEnd(types),
        r.user.padEnd(users),
        time(r.createdAt).padEnd(19),
        `${r.finishedJobs}/${r.totalJobs}`.padStart(4),
        duration(r, nowMs),
      ]),
    ),
  ].join('\n');
}
