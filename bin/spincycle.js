#!/usr/bin/env node
// The `spincycle` command: runs the TypeScript CLI (src-main/engine/cli.ts) through tsx's
// loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/engine/cli.ts');
const code = await main(process.argv.slice(2));
process.exit(code);
