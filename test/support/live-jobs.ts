// Test support for live output: the `live` request type (one shell job running its `script`
// arg), and a gate file a job waits for (until the test opens it, the job is provably still
// running).

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
