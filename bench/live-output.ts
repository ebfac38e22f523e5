// The live-output part of the engine bench (`npm run bench:engine`, scenario `live`): a shell
// job printing 100,000 lines (5,000 a second, each stamped with when it was printed) while the
// console follows it exactly as the Logs tab does, in a process of its own as console main is
// (live-follower.ts: console main's follower asks the RM's live-output route every 300 ms,
// stores each piece in the cache and announces it; the text is read back from the cache on each
// announcement). For every line: the time from its print to the moment it could be read from
// the cache, on the same clock (Unix ms, sub-ms). Meanwhile the wide chain runs; its rate is
// compared with the wide chain alone and beside the same printing job followed by nobody.

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export { SCRIPT_SPEC as LIVE_SPEC } from '../test/support/live-jobs';

export const LIVE_LINES = 100_000;
/** Lines per batch and ms between batches: 5,000 lines a second, for 20 s. */
const BATCH = 50;
const EVERY_MS = 10;

/** Prints `lines` lines "<n> <print time, Unix ms>" in batches: write(2) on a pipe is synchronous in Node on Linux. */
const PRINTER = `const total = Number(process.argv[2]);
let i = 0;
const tick = () => {
  const t = (performance.timeOrigin + performance.now()).toFixed(3);
  let out = '';
  for (let k = 0; k < ${BATCH} && i < total; k++, i++) out += i + ' ' + t + '\\n';
  process.stdout.write(out);
  if (i < total) setTimeout(tick, ${EVERY_MS});
};
tick();
`;

/** Writes the printer next to the specs; the `script` arg that runs it. */
export function printerScript(dir: string, lines = LIVE_LINES): { script: string; lines: number } {
  const file = path.join(dir, 'printer.mjs');
  writeFileSync(file, PRINTER);
  return { script: `"${process.execPath}" "${file}" ${lines}`, lines };
}

export interface FollowResult {
  /** Lines read by the follower (all of them, when it followed). */
  lines: number;
  /** Print -> readable in the console's cache, ms, one per line read. */
  latencies: number[];
  /** When each line was printed (Unix ms). */
  printed: number[];
  /** CPU time the console process used, start to end (ms). */
  cpuMs: number;
}

/** Now on the clock the printer stamps its lines with (Unix ms, sub-ms). */
export const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Starts the printing job from a console process of its own (following it when `follow`),
 * runs `during` once the job prints, and resolves when the job has ended (and every line was
 * read, when followed).
 */
export async function printerBeside(
  rmUrl: string,
  printer: { script: string; lines: number },
  follow: boolean,
  during: () => Promise<void>,
): Promise<FollowResult> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'live-follower.ts'),
      rmUrl,
      printer.script,
      String(printer.lines),
      follow ? 'follow' : 'watch',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let result: FollowResult | null = null;
  let printing: () => void = () => {};
  const started = new Promise<void>((resolve) => (printing = resolve));
  lines.on('line', (line) => {
    if (line === 'printing') printing();
    else if (line.startsWith('{')) result = JSON.parse(line) as FollowResult;
  });
  await Promise.race([started, exited.then((code) => Promise.reject(new Error(`the follower exited ${code}`)))]);
  await during();
  const code = await exited;
  if (code !== 0 || result === null) throw new Error(`the follower exited ${code} without a result`);
  return result;
}
