#!/usr/bin/env node
// The `spincycle` command: runs the compiled CLI (out/main/spincycle.js, from `npm run build`).
// `server`, `rm`, `jr` run the engine; the rest is the operator client. In a clone, it warns
// when a source under src-main/ is newer than that build.
import { existsSync, readdirSync, statSync } from 'node:fs';

const entry = new URL('../out/main/spincycle.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('spincycle: out/main/spincycle.js is missing: run `npm run build` first\n');
  process.exit(2);
}

const sources = new URL('../src-main/', import.meta.url);
if (existsSync(sources)) {
  const built = statSync(entry).mtimeMs;
  const newer = readdirSync(sources, { recursive: true }).find(
    (file) => /\.ts$/.test(file) && !/\.test\.ts$/.test(file) && statSync(new URL(file, sources)).mtimeMs > built,
  );
  if (newer) {
    process.stderr.write(`spincycle: warning: src-main/${newer} changed after the last build; run \`npm run build\`\n`);
  }
}

await import(entry.href);
