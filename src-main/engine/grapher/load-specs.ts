// Loads the request specs of a folder: every *.yaml / *.yml file (dot files skipped, other files
// and subfolders ignored), in file-name order, parsed and validated as a whole. Any problem is a
// SpecError listing all of them, so a broken spec stops the RM at start-up, not at request time.

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { JobFactory } from '../jobs/job';
import { checkSpecSet } from './check-spec-set';
import { SpecError } from './errors';
import { parseSpecFile } from './parse-spec-file';
import type { SpecSet } from './spec-schema';

/** One spec file's text, for loading from memory (tests, uploads). */
export interface SpecSource {
  /** Shown in errors, e.g. `specs/rolling.yaml`. */
  file: string;
  text: string;
}

/** Parses and validates spec texts (in the given order) into one SpecSet. Throws SpecError. */
export function parseSpecs(sources: readonly SpecSource[], factory?: JobFactory, dir = '.'): SpecSet {
  return checkSpecSet(
    sources.map((s) => parseSpecFile(s.text, s.file)),
    factory,
    dir,
  );
}

/**
 * Reads every spec file in `dir`. With `factory`, job types must be known to it (the RM always
 * passes its factory; tools that only list request types may omit it). Throws SpecError.
 */
export async function loadSpecs(dir: string, factory?: JobFactory): Promise<SpecSet> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'spec folder does not exist' : code === 'ENOTDIR' ? 'is not a folder' : String(err);
    throw new SpecError([{ file: dir, line: 0, detail: why }]);
  }
  const files: string[] = [];
  for (const name of names.filter((n) => /\.ya?ml$/i.test(n) && !n.startsWith('.')).sort()) {
    const file = path.join(dir, name);
    if ((await stat(file)).isFile()) files.push(file);
  }
  const sources: SpecSource[] = [];
  for (const file of files) {
    try {
      sources.push({ file, text: await readFile(file, 'utf8') });
    } catch (err) {
      throw new SpecError([{ file, line: 0, detail: `cannot read: ${(err as Error).message}` }]);
    }
  }
  return parseSpecs(sources, factory, dir);
}
