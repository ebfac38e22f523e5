// `npm run bench`: the engine, cluster, cache, browse and UI benches one after the other, each given this
// command's arguments (`npm run bench -- --write-docs`). Stops at the first that fails.

import { spawnSync } from 'node:child_process';
import path from 'node:path';

for (const name of ['engine', 'cluster', 'cache', 'browse', 'ui']) {
  const script = path.join(import.meta.dirname, `${name}.bench.ts`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`bench ${name} failed (${run.signal ?? `exit ${run.status}`})`);
    process.exit(run.status ?? 1);
  }
}
