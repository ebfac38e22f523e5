// The `spincycle` command: one entry for both halves. `server`, `rm`, `jr` and `token` are the
// engine's (src-main/engine/cli.ts); every other command is the operator client that works any Request
// Manager (src-main/console/cli/cli.ts). A composition root, like desktop/ and web/.

import { CLIENT_HELP, runConsoleCli } from './console/cli/cli';
import { main as engineMain } from './engine/cli';

const ENGINE_COMMANDS = new Set(['server', 'rm', 'jr', 'token']);

export const HELP = `spincycle: Spin Cycle's engine and an operator client.

Run the engine:
  spincycle server --specs DIR [--jobs DIR] [--data DIR] [--rm-addr HOST:PORT] [--jr-addr HOST:PORT]
  spincycle rm --specs DIR --jr-url URL [--jobs DIR] [--data DIR] [--addr HOST:PORT]
  spincycle jr --rm-url URL [--jobs DIR] [--addr HOST:PORT]
  spincycle token --user NAME [--role ROLE…]   a caller's token for rm --auth
  (spincycle <server|rm|jr|token> --help for details)

${CLIENT_HELP}`;

export async function main(argv: readonly string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    (first === undefined ? process.stderr : process.stdout).write(`${HELP}\n`);
    return first === undefined ? 2 : 0;
  }
  if (ENGINE_COMMANDS.has(first)) return engineMain(argv);
  return runConsoleCli(argv, {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    write: (stream, t) => (stream === 'stdout' ? process.stdout : process.stderr).write(t),
    env: process.env,
  });
}
