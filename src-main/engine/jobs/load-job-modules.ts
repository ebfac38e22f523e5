// Loads operator-written job types: every .js/.mjs file in a jobs folder is imported and must
// default-export a job type object:
//
//   export default {
//     type: 'http-check',                      // required, unique, non-empty
//     description: 'GETs a URL, fails unless 200', // optional
//     make(id) {                               // required: a blank job; must not run anything
//       return {
//         create(args) {},                     // RM: read/validate args (throw to refuse)
//         serialize() { return bytes },        // RM: Uint8Array or null
//         deserialize(bytes) {},               // JR: rebuild from those bytes
//         async run(data, ctx) { return { state: 3, exit: 0, error: '', stdout: '', stderr: '' } },
//         stop() {},                           // JR: make run return soon (ctx.signal aborts too)
//         status() { return 'text' },          // JR: live status text
//       };
//     },
//   };
//
// See jobs/README.md for the full contract and an example. A bad module fails the load with an
// error naming the file and what is missing; the jobs it makes are checked the same way.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Job, JobType } from './job';

export const JOB_METHODS = ['create', 'serialize', 'deserialize', 'run', 'stop', 'status'] as const;

const MODULE_EXTENSIONS = new Set(['.js', '.mjs']);

export class JobModuleError extends Error {
  override name = 'JobModuleError';
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`job module ${file}: ${problem}`);
  }
}

function checkJob(file: string, value: unknown): Job {
  if (value === null || typeof value !== 'object') {
    throw new JobModuleError(file, `make() must return a job object, got ${value === null ? 'null' : typeof value}`);
  }
  const missing = JOB_METHODS.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) {
    throw new JobModuleError(
      file,
      `the job returned by make() has no ${missing.join(', ')} method${missing.length > 1 ? 's' : ''}`,
    );
  }
  return value as Job;
}

/** Checks a module's default export and wraps it so every job it makes is checked too. */
export function jobTypeFromModule(file: string, exported: unknown): JobType {
  if (exported === undefined) throw new JobModuleError(file, 'no default export (export default { type, make })');
  if (exported === null || typeof exported !== 'object') {
    throw new JobModuleError(file, `the default export must be an object { type, make }, got ${typeof exported}`);
  }
  const t = exported as Record<string, unknown>;
  if (typeof t.type !== 'string' || t.type.trim() === '') {
    throw new JobModuleError(file, 'the default export has no `type` (a non-empty string naming the job type)');
  }
  if (typeof t.make !== 'function') throw new JobModuleError(file, 'the default export has no `make(id)` function');
  if (t.description !== undefined && typeof t.description !== 'string') {
    throw new JobModuleError(file, '`description` must be a string');
  }
  const make = t.make as (id: string) => unknown;
  const jobType: JobType = {
    type: t.type,
    ...(typeof t.description === 'string' ? { description: t.description } : {}),
    make: (id) => checkJob(file, make.call(exported, id)),
  };
  // Probe once now so a broken module fails at startup rather than at the first request.
  jobType.make(`${t.type}@probe`);
  return jobType;
}

export interface LoadJobModulesOptions {
  /** Return [] instead of failing when the folder does not exist. */
  missingOk?: boolean;
}

/** Imports every .js/.mjs file in `dir` (sorted by name) as a job type. */
export async function loadJobModules(dir: string, options: LoadJobModulesOptions = {}): Promise<JobType[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (options.missingOk) return [];
      throw new Error(`jobs folder ${dir} does not exist`, { cause: err });
    }
    throw err;
  }
  const types: JobType[] = [];
  const fileOfType = new Map<string, string>();
  for (const name of names.filter((n) => MODULE_EXTENSIONS.has(path.extname(n))).sort()) {
    const file = path.join(dir, name);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    } catch (err) {
      throw new JobModuleError(file, `cannot be imported: ${err instanceof Error ? err.message : String(err)}`);
    }
    const jobType = jobTypeFromModule(file, mod.default);
    const other = fileOfType.get(jobType.type);
    if (other)
      throw new JobModuleError(file, `job type ${JSON.stringify(jobType.type)} is already defined by ${other}`);
    fileOfType.set(jobType.type, file);
    types.push(jobType);
  }
  return types;
}
