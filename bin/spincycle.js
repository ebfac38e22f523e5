#!/usr/bin/env node
// The `spincycle` command: runs the compiled CLI (out/main/spincycle.js, from `npm run build`).
// `server`, `rm`, `jr` run the engine; the rest is the operator client.
import { existsSync } from 'node:fs';

const entry = new URL('../out/main/spincycle.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('spincycle: out/main/spincycle.js is missing: run `npm run build` first\n');
  process.exit(2);
}
await import(entry.href);
