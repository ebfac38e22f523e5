// The operator CLI's tests: a real engine (`spincycle server` on the example specs, as the
// console starts it) and the CLI run in process with its output captured.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedEngine } from '../../src-main/console/embedded-engine';
import { runConsoleCli } from '../../src-main/console/cli/cli';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `spincycle server` on resources/specs with a throwaway data folder; its URL once it answers. */
export async function exampleEngine(): Promise<{ engine: EmbeddedEngine; url: string }> {
  const engine = new EmbeddedEngine({
    cliPath: path.join(root, 'bin/spincycle.js'),
    specsDir: path.join(root, 'resources/specs'),
    dataDir: mkdtempSync(path.join(tmpdir(), 'sc-cli-engine-')),
  });
  return { engine, url: await engine.start() };
}

/** `spincycle <argv…>` as user `tester`, the console's data in `dataDir`: its exit code and output. */
export function cliIn(dataDir: string) {
  return async (...argv: string[]) => {
    let out = '';
    let err = '';
    const code = await runConsoleCli(argv, {
      out: (t) => (out += `${t}\n`),
      err: (t) => (err += `${t}\n`),
      env: { SPINCYCLE_DATA_DIR: dataDir, USER: 'tester' },
    });
    return { code, out, err };
  };
}
