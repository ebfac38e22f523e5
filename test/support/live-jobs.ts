// Test support for live output: the `live` request type (one shell job running its `script`
// arg), a gate file a job waits for (until the test opens it, the job is provably still
// running), and polling until something holds.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Request type `live`: one shell job, `run`, whose command is the `script` arg. */
export const SCRIPT_SPEC = `noop-node: {category: job, type: noop}
sequences:
  live:
    args:
      required:
        - {name: script, desc: the shell command the job runs}
    nodes:
      run:
        category: job
        type: shell
        args:
          - {expected: cmd, given: script}
`;

export interface Gate {
  /** The file; it exists once opened. */
  file: string;
  /** A shell line that waits until the file exists. */
  wait: string;
  open(): void;
  remove(): void;
}

export function gate(name = 'go'): Gate {
  const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-gate-'));
  const file = path.join(dir, name);
  return {
    file,
    wait: `while [ ! -e '${file}' ]; do sleep 0.02; done`,
    open: () => writeFileSync(file, ''),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

type Maybe<T> = T | undefined | null | false;

/** Polls `check` every 50 ms until it gives a truthy value; fails naming `what` after `ms`. */
export async function until<T>(what: string, check: () => Maybe<T> | Promise<Maybe<T>>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
