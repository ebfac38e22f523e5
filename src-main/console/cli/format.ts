// Human-readable output of the console CLI (the `--json` output is the wire JSON instead).
// Follows spinc's layouts where it had one (status, log, ps), with readable local times.

import type { JobLog, Request, RequestSpec, RequestStatus, RunningStatus } from '../../shared/proto';
import { stateName } from '../../shared/proto';

const time = (t: string | null): string => (t ? new Date(t).toLocaleString('sv-SE', { hour12: false }) : '-');

function duration(r: Request): string {
  if (!r.startedAt) return '-';
  const end = r.finishedAt ? Date.parse(r.finishedAt) : Date.now();
  const s = Math.max(0, (end - Date.parse(r.startedAt)) / 1000);
  return s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
}

export function formatStatus(s: RequestStatus): string {
  const r = s.request;
  const statuses = s.jobChainStatus.jobStatuses ?? [];
  const counts = new Map<string, number>();
  for (const j of statuses) counts.set(stateName(j.state), (counts.get(stateName(j.state)) ?? 0) + 1);
  const lines = [
    `id:         ${r.id}`,
    `type:       ${r.type}`,
    `state:      ${stateName(r.state)}`,
    `user:       ${r.user}`,
    `jobs done:  ${r.finishedJobs} of ${r.totalJobs}`,
    `created:    ${time(r.createdAt)}`,
    `started:    ${time(r.startedAt)}`,
    `finished:   ${time(r.finishedAt)}`,
    `duration:   ${duration(r)}`,
    `jobs:       ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || '-'}`,
  ];
  const live = statuses.filter((j) => j.status !== '');
  for (const j of live) lines.push(`  ${j.jobId}: ${j.status}`);
  const failed = statuses.filter((j) => j.state === 4 || j.state === 5).map((j) => j.jobId);
  if (failed.length > 0) lines.push(`failed:     ${failed.join(', ')}`);
  return lines.join('\n');
}

const nsToIso = (ns: bigint): string => (ns === 0n ? '-' : new Date(Number(ns / 1_000_000n)).toISOString());

export function formatLogs(logs: JobLog[]): string {
  return logs
    .map((l) => {
      const runtime = l.finishedAt > l.startedAt ? Number(l.finishedAt - l.startedAt) / 1e9 : 0;
      return [
        `job:      ${l.jobId}`,
        `type:     ${l.type}`,
        `try:      ${l.try}`,
        `state:    ${stateName(l.state)}`,
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

export function formatPs(running: RunningStatus): string {
  const jobs = running.jobs ?? [];
  if (jobs.length === 0) return '';
  const rows = jobs.map((j) => {
    const r = running.requests?.[j.requestId];
    return `${j.requestId.padEnd(32)}  ${String(j.n).padStart(4)}  ${String(r?.totalJobs ?? 0).padStart(5)}  ${j.runtime.toFixed(1).padStart(6)}  ${(r?.type ?? '').padEnd(16)}  ${j.jobId}`;
  });
  return [
    `${'ID'.padEnd(32)}  ${'N'.padStart(4)}  ${'NJOBS'.padStart(5)}  ${'TIME'.padStart(6)}  ${'TYPE'.padEnd(16)}  JOB`,
    ...rows,
  ].join('\n');
}

export function formatSpecs(specs: RequestSpec[]): string {
  return specs
    .map((s) => {
      const args = s.Args ?? [];
      const width = Math.max(0, ...args.map((a) => a.Name.length));
      const lines = args.map(
        (a) =>
          `  ${a.Required ? '*' : ' '} ${a.Name.padEnd(width)}  ${a.Desc}${a.Required ? '' : ` (default: ${a.Default === '' ? '""' : a.Default})`}`,
      );
      return [s.Name, ...lines].join('\n');
    })
    .join('\n\n');
}

export function formatRequest(r: Request): string {
  return `${r.id}  ${stateName(r.state).padEnd(8)}  ${r.type}  ${r.finishedJobs}/${r.totalJobs} jobs`;
}
