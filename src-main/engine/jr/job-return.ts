// What a try returned, made safe to log: jobs are operator code, so a missing field, a
// non-integer exit or a thrown error must become a well-formed JobLog, never a crash.

import { STATE_FAIL } from '../../shared/proto';
import type { JobReturn } from '../jobs/job';

/** An error's message, or whatever was thrown as text. */
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function returnFromError(err: unknown): JobReturn {
  const message = err instanceof Error ? err.message || err.name : text(err) || 'the job failed without a message';
  return { state: STATE_FAIL, exit: 1, error: message, stdout: '', stderr: '' };
}

/** An exit code the RM accepts (a safe integer: JobLog.exit in proto.ts); beyond that it is clamped. */
const safeExit = (n: number): number => Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, n));

export function normalizeReturn(ret: unknown): JobReturn {
  if (ret === null || typeof ret !== 'object') {
    return returnFromError(
      new Error(`the job returned ${ret === null ? 'null' : typeof ret} instead of a result object`),
    );
  }
  const r = ret as Record<string, unknown>;
  if (
    typeof r.state === 'number' &&
    Number.isInteger(r.state) &&
    r.state >= 0 &&
    r.state <= 255 &&
    Number.isSafeInteger(r.exit) &&
    typeof r.error === 'string' &&
    typeof r.stdout === 'string' &&
    typeof r.stderr === 'string'
  ) {
    return ret as JobReturn; // the common case: already well-formed, no copy
  }
  const stateOk = typeof r.state === 'number' && Number.isInteger(r.state) && r.state >= 0 && r.state <= 255;
  const exit = safeExit(
    typeof r.exit === 'number' && Number.isFinite(r.exit)
      ? Math.trunc(r.exit)
      : typeof r.exit === 'bigint'
        ? Number(r.exit)
        : 0,
  );
  const error = r.error instanceof Error ? r.error.message : text(r.error);
  if (!stateOk) {
    return {
      state: STATE_FAIL,
      exit,
      error: `the job returned an invalid state ${JSON.stringify(r.state ?? null)}${error ? `: ${error}` : ''}`,
      stdout: text(r.stdout),
      stderr: text(r.stderr),
    };
  }
  return { state: r.state as number, exit, error, stdout: text(r.stdout), stderr: text(r.stderr) };
}
