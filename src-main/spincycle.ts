// The `spincycle` process, built to out/main/spincycle.js: started by bin/spincycle.js and as
// the desktop app's embedded engine. Runs the command line and exits with its code.

import { main } from './cli';

process.exit(await main(process.argv.slice(2)));
