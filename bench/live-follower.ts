// The console side of the live-output bench (live-output.ts), in a process of its own as console
// main is: `live-follower.ts <rm url> <script> <lines> follow|watch`. Starts a `live` request running
// `script` from a console (its own cache), says `printing` once the job runs, and with `follow`
// follows it as the Logs tab does, timing each line from its print to when it can be read from
// the cache. Prints the result as one JSON line once the request has ended.

import path from 'node:path';
import type { LiveOutputState } from '../src-main/shared/console-model';
import { ConsoleService } from '../src-main/console/service';
import { tempDir } from '../test/support/engine/integration/test-engine';
import type { FollowResult } from './live-output';

const [rmUrl, script, lines, mode] = process.argv.slice(2) as [string, string, string, string];
const expected = Number(lines);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = tempDir();
const listeners: Array<(s: LiveOutputState) => void> = [];
let onLogs: (payload: unknown) => void = () => {};
const service = await ConsoleService.open({
  cacheFile: path.join(dir.dir, 'cache.db'),
  emit: (event, payload) => {
    if (event === 'liveOutput') for (const l of listeners) l(payload as LiveOutputState);
    // The try's stored log replaced its live text: the Logs tab reloads on this, and so do we.
    if (event === 'requestUpdated' && (payload as { parts?: string[] }).parts?.includes('logs')) onLogs(payload);
  },
  client: { timeoutMs: 30_000 },
});
await service.putContext({ name: 'bench', url: rmUrl, envLabel: null, envColor: null, embedded: false });
await service.start();

const { id } = await service.createRequest('bench', 'live', { script });
await service.openRequest('bench', id);
// Its chain comes with the first sync of the opened request.
while (!(await service.request('bench', id)).chain) await sleep(20);
const jobId = (await service.request('bench', id)).chain?.jobs[0]?.id as string;

const latencies: number[] = [];
const printed: number[] = [];
let offset = 0;
let partial = '';
let tryN = 0;
let allRead: () => void = () => {};
const everyLine = new Promise<void>((resolve) => (allRead = resolve));
let reading = false;
let again = false;
/** Reads what has come since the last read, as the Logs tab's loader does on each announcement. */
const readOn = async (): Promise<void> => {
  if (reading) {
    again = true;
    return;
  }
  reading = true;
  do {
    again = false;
    await readSlices();
  } while (again);
  reading = false;
  if (latencies.length >= expected) allRead();
};
const readSlices = async (): Promise<void> => {
  for (;;) {
    const slice = await service.jobLogText('bench', id, jobId, tryN, 'stdout', offset, 1024 * 1024);
    if (slice.text === '') break;
    const arrived = now();
    offset += slice.text.length; // the printer prints ASCII: characters = UTF-16 units
    const text = partial + slice.text;
    const end = text.lastIndexOf('\n');
    partial = text.slice(end + 1);
    for (const line of text.slice(0, end).split('\n')) {
      const at = Number(line.slice(line.indexOf(' ') + 1));
      printed.push(at);
      latencies.push(arrived - at);
    }
  }
};
if (mode === 'follow') {
  listeners.push((s) => {
    if (s.requestId !== id || s.try === 0) return;
    tryN = s.try;
    void readOn();
  });
  onLogs = (payload) => {
    if ((payload as { requestId?: string }).requestId === id && tryN > 0) void readOn();
  };
  await service.followJob('bench', id, jobId, true);
}

// Running: its status (the console syncs the open request every second) is no longer empty.
while ((await service.jobStatuses('bench', id)).every((s) => s.status === '')) await sleep(20);
process.stdout.write('printing\n');

// Until the request ends, both ways alike: the request stays open (synced every second, as on
// screen) and its state is read from the cache. Following adds only the following.
if (mode === 'follow') await everyLine;
for (;;) {
  const state = (await service.request('bench', id)).request.state;
  if (state !== 1 && state !== 2) break;
  await sleep(200);
}
if (mode === 'follow') await service.followJob('bench', id, jobId, false);
await service.stop();
dir.remove();
const cpu = process.cpuUsage();
const result: FollowResult = { lines: latencies.length, latencies, printed, cpuMs: (cpu.user + cpu.system) / 1000 };
process.stdout.write(`${JSON.stringify(result)}\n`);
