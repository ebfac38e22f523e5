// Test helpers for the grapher's tests (not used by the engine): job types whose jobs serialize
// their node scope, a spec folder in a temp dir, and a chain summary that is easy to assert on.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { JobChain, JsonObject } from '../../../../src-main/shared/proto';
import { JobFactory, type Job, type JobType } from '../../../../src-main/engine/jobs/job';

/** JSON with object keys sorted, like Go's encoding of a map. */
export function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** A job type whose jobs serialize their node scope (after `adds` ran in create). */
export function scopeJobType(type: string, adds: (args: JsonObject) => void = () => {}): JobType {
  return {
    type,
    make: (): Job => {
      let scope: JsonObject = {};
      return {
        create(args) {
          adds(args);
          scope = { ...args };
        },
        serialize: () => new TextEncoder().encode(sortedJson(scope)),
        deserialize() {},
        run: () => Promise.resolve({ state: 3, exit: 0, error: '', stdout: '', stderr: '' }),
        stop() {},
        status: () => '',
      };
    },
  };
}

/** A factory of scope jobs for `types` (plus noop, serializing to null like the real one). */
export function scopeFactory(types: string[], adds: Record<string, (args: JsonObject) => void> = {}): JobFactory {
  const noop: JobType = {
    ...scopeJobType('noop'),
    make: (id) => ({ ...scopeJobType('noop').make(id), serialize: () => null }),
  };
  return new JobFactory([noop, ...types.map((t) => scopeJobType(t, adds[t]))]);
}

/** A spec folder with `files` (name -> YAML text) in a fresh temp dir; remove it with cleanup(). */
export function specDir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'grapher-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The chain's edges as `from -> to` lines, sorted. */
export function edges(chain: JobChain): string[] {
  return Object.entries(chain.adjacencyList)
    .flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`))
    .sort();
}

/** The JSON a scope job serialized. */
export function jobScope(chain: JobChain, id: string): unknown {
  const bytes = chain.jobs[id]?.bytes;
  return bytes ? JSON.parse(new TextDecoder().decode(bytes)) : null;
}
