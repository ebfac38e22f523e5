#!/usr/bin/env node
// The `spincycle` command: runs the TypeScript entry (src-main/cli.ts) through tsx's loader,
// so no build step is needed. `server`, `rm`, `jr` run the engine; the rest is the client.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli.ts');
const code = await main(process.argv.slice(2));
process.exit(code);
