// UI bench (`npm run bench:ui`): the built renderer in Playwright-driven Chromium, served by the
// real web entry (src-main/web/serve.ts, SPINCYCLE_NO_ENGINE=1) over a console cache seeded
// directly (src-main/console/cache) in a temp SPINCYCLE_DATA_DIR:
//   - a 10,000-job chain shaped like rolling-restart (plan -> 2,500 hosts x 4 jobs -> report):
//     first render (navigation -> first canvas frame), folded and fully unfolded, and the draw
//     time of each frame while panning the unfolded graph (95 % of frames < 16 ms);
//   - a 100 MB stdout: open (navigation -> first lines on screen) and search;
//   - 100,000 requests, in a Chromium of its own (see benchList): first rows, frame intervals
//     while scrolling by steps (600 and 120 px) and by long jumps, and how soon a jump shows data;
//   - the 10,000-job chain's job table, in a Chromium of its own (see benchJobs): first rows, and
//     frame intervals while scrolling it by steps (600 px) and by jumps anywhere.
// Scrolls (the log's, the list's and the job table's) run twice, in a Chromium of their own each time (see PACES):
// without the 60 Hz cap, where a rAF interval is what a frame cost (frames < 16 ms), and at 60 Hz
// like a display, where what counts is whether each frame made its vsync (frames on time).
// BENCH_PARTS=chain,log,list,jobs picks parts (default all). Prints figures and the ratio to each
// target. No assertions: figures, not a test. Diagnostics: BENCH_SLOW_FRAMES=1 lists the slow
// frames of each scroll, BENCH_LOG_PROFILE / BENCH_LIST_PROFILE / BENCH_JOBS_PROFILE write CPU
// profiles and BENCH_LIST_TRACE a DevTools trace (see benchLog, benchList and benchJobs).
// Needs `npm run build` first (the script runs it). --write-docs puts the figures in
// docs/benchmarks.md.
/// <reference lib="dom" /> — page.evaluate callbacks run in the browser

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { Cache } from '../src-main/console/cache/cache';
import { chainView } from '../src-main/shared/console-model';
import type { Job, JobChain, Request } from '../src-main/shared/proto';
import { CHROMIUM_ARGS, findChromium } from '../e2e/support/chromium';
import { writeBenchDocs, writeDocsRequested } from './docs-writer';

const ROOT = path.resolve(import.meta.dirname, '..');
const CTX = 'bench';
const HOSTS = 2_500;
const LIST_SIZE = 100_000;
const LOG_BYTES = 100 * 1024 * 1024;
/** BENCH_PARTS=chain,log,list,jobs selects parts (all by default). */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'chain,log,list,jobs').split(',').map((p) => p.trim()));

interface Row {
  what: string;
  value: number;
  unit: string;
  target: number;
  /** true when lower is better */
  lower: boolean;
}
const rows: Row[] = [];
function record(what: string, value: number, unit: string, target: number, lower = true) {
  rows.push({ what, value, unit, target, lower });
  console.log(`  ${what}: ${value.toFixed(1)} ${unit}`);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function request(id: string, type: string, createdMs: number, total: number, state = 3): Request {
  return {
    id,
    type,
    state,
    user: 'bench',
    createdAt: iso(createdMs),
    startedAt: iso(createdMs + 10),
    finishedAt: iso(createdMs + 60_000),
    totalJobs: total,
    finishedJobs: total,
  };
}

function job(id: string, type: string): Job {
  return { id, type, bytes: null, state: 3, args: { host: id }, data: null, retry: 1, retryWait: 500 };
}

function seed(dir: string): { chainId: string; logId: string } {
  const cache = new Cache(path.join(dir, 'cache.db'));
  cache.contexts.put({ name: CTX, url: 'http://127.0.0.1:9', envLabel: 'bench', envColor: '#6a1b9a', embedded: false });
  const now = Date.now();
  const t = performance.now();
  cache.transaction(() => {
    for (let i = 0; i < LIST_SIZE; i++) {
      const id = `req${String(i).padStart(8, '0')}${'0'.repeat(12)}`;
      const state = [3, 3, 3, 4, 6, 2][i % 6] as number;
      cache.requests.put(
        CTX,
        request(id, ['deploy', 'hello', 'rolling-restart', 'backup'][i % 4] as string, now - i * 60_000, 12, state),
      );
    }
  });
  console.log(`  seeded ${LIST_SIZE.toLocaleString()} requests in ${(performance.now() - t).toFixed(0)} ms`);

  // 10,000-job chain: start -> plan -> 2,500 x (drain -> restart -> check -> done) -> report
  const chainId = 'chain10k'.padEnd(32, '0');
  const jobs: Record<string, Job> = {};
  const adjacency: Record<string, string[]> = {};
  let n = 1;
  const add = (name: string, type: string) => {
    const id = `${name}@${n++}`;
    jobs[id] = job(id, type);
    return id;
  };
  const plan = add('plan', 'shell');
  const report = add('report', 'shell');
  adjacency[plan] = [];
  for (let h = 0; h < HOSTS; h++) {
    let prev = plan;
    for (const step of ['drain', 'restart', 'check', 'done']) {
      const id = add(step, step === 'done' ? 'noop' : 'shell');
      (adjacency[prev] ??= []).push(id);
      prev = id;
    }
    (adjacency[prev] ??= []).push(report);
  }
  const chain: JobChain = { requestId: chainId, jobs, adjacencyList: adjacency, state: 3 };
  cache.requests.put(CTX, request(chainId, 'rolling-restart', now + 1000, n - 1));
  cache.chains.putChain(CTX, chainId, chainView(chain));
  cache.chains.putStatuses(
    CTX,
    chainId,
    Object.keys(jobs).map((id, i) => ({
      requestId: chainId,
      jobId: id,
      state: i % 97 === 0 ? 4 : 3,
      status: '',
      runtime: 0,
      n: i,
    })),
  );
  console.log(`  seeded a ${(n - 1).toLocaleString()}-job chain`);

  // 100 MB of stdout in one try
  const logId = 'biglog'.padEnd(32, '0');
  const line = (i: number) =>
    `2026-11-27T10:00:${String(i % 60).padStart(2, '0')}Z INFO worker-${i % 16} processed batch ${i} (\u001b[32mok\u001b[0m) checksum=${(i * 2654435761) % 4294967296}\n`;
  const parts: string[] = [];
  let size = 0;
  let i = 0;
  while (size < LOG_BYTES) {
    const l = i === 1_000_000 ? 'ERROR needle-in-haystack: disk quota exceeded\n' : line(i);
    parts.push(l);
    size += l.length;
    i++;
  }
  const stdout = parts.join('');
  cache.requests.put(CTX, request(logId, 'backup', now + 2000, 1));
  const t2 = performance.now();
  cache.logs.put(CTX, [
    {
      requestId: logId,
      jobId: 'dump@1',
      try: 1,
      type: 'shell',
      startedAt: BigInt(now) * 1_000_000n,
      finishedAt: BigInt(now + 60_000) * 1_000_000n,
      state: 3,
      exit: 0,
      error: '',
      stdout,
      stderr: '',
    },
  ]);
  console.log(
    `  seeded a ${(stdout.length / 1e6).toFixed(0)} MB log (${i.toLocaleString()} lines) in ${(performance.now() - t2).toFixed(0)} ms`,
  );
  cache.close();
  return { chainId, logId };
}

async function startServer(dir: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['out/main/serve.js'], {
    cwd: ROOT,
    env: { ...process.env, SPINCYCLE_DATA_DIR: dir, SPINCYCLE_NO_ENGINE: '1', SPINCYCLE_WEB_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve.ts did not start:\n${out}`)), 60_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Spin Cycle console: (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Sets the hash and returns ms until `ready` (a page predicate) holds, polled every frame. */
async function timeNavigation(page: Page, hash: string, ready: string | (() => boolean)): Promise<number> {
  await page.evaluate((h) => {
    (globalThis as unknown as { benchT0: number }).benchT0 = performance.now();
    location.hash = h;
  }, hash);
  await page.waitForFunction(ready, undefined, { polling: 'raf', timeout: 120_000 });
  return page.evaluate(() => performance.now() - (globalThis as unknown as { benchT0: number }).benchT0);
}

/**
 * The rAF intervals while the element `scroller` scrolls `by` px in each of `frames` frames
 * (turning back at an end half a step off the way down, so that no jump lands where an earlier
 * one did, whose rows would already be loaded), or, by 0, to anywhere in it each frame.
 */
function scrollFrames(page: Page, scroller: string, by: number, frames: number): Promise<number[]> {
  return page.evaluate(
    ([scroller, by, frames]) =>
      new Promise<number[]>((resolve) => {
        const el = document.querySelector(scroller) as HTMLElement;
        const out: number[] = [];
        let last = performance.now();
        let dir = 1;
        let n = 0;
        const step = () => {
          const now = performance.now();
          out.push(now - last);
          last = now;
          const max = el.scrollHeight - el.clientHeight;
          let to = by === 0 ? Math.round((((n * 7919) % 1000) / 1000) * max) : el.scrollTop + dir * by;
          if (to > max || to < 0) {
            dir = -dir;
            to = el.scrollTop + dir * (by / 2);
          }
          el.scrollTop = to;
          if (++n <= frames) requestAnimationFrame(step);
          else resolve(out.slice(1));
        };
        requestAnimationFrame(step);
      }),
    [scroller, by, frames] as const,
  );
}

/**
 * Sets the hash and returns ms until more than 10 `rows` are on the page, to the frame that shows
 * them. Polling every rAF (timeNavigation) would spin an uncapped page: this waits on DOM mutations.
 */
function timeRowsShown(page: Page, hash: string, rows: string): Promise<number> {
  return page.evaluate(
    ([hash, rows]) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        const done = () => document.querySelectorAll(rows).length > 10;
        const seen = new MutationObserver(() => {
          if (!done()) return;
          seen.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        });
        seen.observe(document.body, { childList: true, subtree: true });
        location.hash = hash;
      }),
    [hash, rows] as const,
  );
}

/**
 * How the scroll parts pace their Chromium's frames, each a run of its own:
 * - uncapped: no vsync and no 60 Hz frame cap, so a rAF interval is what one frame really cost
 *   (vsync-locked intervals are multiples of 16.7 ms and can never read "under 16 ms"). Frames
 *   that draw something (every scrolled one) then follow each other as fast as the page, the
 *   compositor and raster go, pipelined as in a browser (the main thread works on a frame while
 *   the previous one is rastered and drawn); a page that draws nothing still ticks at 60 Hz. The
 *   page then runs flat out, with no idle time between frames for its timers, GC and sockets: a
 *   stricter test than a display makes. (`--run-all-compositor-stages-before-draw` would make
 *   each frame wait for its raster and draw: stricter than any browser.)
 * - 60 Hz: Chromium's own frame clock, as on a 60 Hz display. A frame is on time when the next
 *   rAF comes one vsync later; an interval of n vsyncs means n - 1 frames were dropped (how
 *   Chromium's own smoothness metric counts). Frames on time = frames / (frames + dropped).
 */
const PACES = {
  uncapped: ['--disable-frame-rate-limit', '--disable-gpu-vsync'],
  '60 Hz': [],
} as const satisfies Record<string, string[]>;
type Pace = keyof typeof PACES;
const VSYNC_MS = 1000 / 60;

/** A fresh Chromium paced by `pace`, and a page in it on the bench's context, reporting page errors. */
async function pacedPage(pace: Pace): Promise<{ browser: Browser; page: Page }> {
  const browser = await chromium.launch({
    executablePath: findChromium()?.path,
    args: [...CHROMIUM_ARGS, ...PACES[pace]],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
  page.on('console', (m) => m.type() === 'error' && console.log(`  [page error] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`  [page exception] ${e.message}`));
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.addInitScript((ctx) => localStorage.setItem('spincycle.context', ctx), CTX);
  return { browser, page };
}

/** Rows for a series of rAF intervals, by how they were paced: uncapped, the share under 16 ms
 * (target 95 %) and the p95; at 60 Hz, the share of frames on time (target 95 %). */
function recordFrames(what: string, frames: number[], pace?: Pace): void {
  if (pace === '60 Hz') {
    const dropped = frames.reduce((n, d) => n + Math.max(0, Math.round(d / VSYNC_MS) - 1), 0);
    record(`${what}: frames on time`, (100 * frames.length) / (frames.length + dropped), '%', 95, false);
    printSlowFrames(frames, (d) => d >= 1.5 * VSYNC_MS);
    return;
  }
  record(`${what}: frames < 16 ms`, (100 * frames.filter((d) => d < 16).length) / frames.length, '%', 95, false);
  record(`${what}: p95 frame`, percentile(frames, 95), 'ms', 16);
  printSlowFrames(frames, (d) => d >= 16);
}

/** BENCH_SLOW_FRAMES=1: which frames were slow (index:ms), to tell a cold start from the steady state. */
function printSlowFrames(frames: number[], slow: (ms: number) => boolean): void {
  if (!process.env.BENCH_SLOW_FRAMES) return;
  const list = frames.flatMap((d, i) => (slow(d) ? [`${i}:${d.toFixed(0)}`] : []));
  console.log(`    slow frames: ${list.join(' ') || 'none'}`);
}

/** Starts a CPU profile of `page` when `file` is set; the function returned writes it there. */
async function startProfile(page: Page, file: string | undefined, what: string): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    console.log(`  CPU profile of ${what} written to ${file}`);
  };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function main(): Promise<void> {
  console.log('building the renderer…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-ui-bench-'));
  console.log(`seeding ${dir}`);
  const { chainId, logId } = seed(dir);
  const server = await startServer(dir);
  const found = findChromium();
  if (!found) throw new Error('no Chromium: see e2e/support/chromium.ts');
  const browser = await chromium.launch({ executablePath: found.path, args: [...CHROMIUM_ARGS] });
  try {
    // bypassCSP: Playwright's waitForFunction evaluates its predicate as a string (eval).
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    page.on('console', (m) => m.type() === 'error' && console.log(`  [page error] ${m.text()}`));
    page.on('pageerror', (e) => console.log(`  [page exception] ${e.message}`));
    page.on('crash', () => console.log('  [page crashed]'));
    // tsx (esbuild keepNames) wraps functions handed to page.evaluate in __name(): define it.
    await page.addInitScript('globalThis.__name = (f) => f;');
    await page.addInitScript((ctx) => localStorage.setItem('spincycle.context', ctx), CTX);
    const base = new URL(server.url);
    base.hash = '#/start';
    await page.goto(base.toString());
    await page.getByTestId('context-name').waitFor();

    if (PARTS.has('chain')) await benchChain(page, chainId);
    if (PARTS.has('log')) await benchLog(page, logId);
    if (PARTS.has('list')) for (const pace of Object.keys(PACES) as Pace[]) await benchList(server.url, pace);
    if (PARTS.has('jobs')) for (const pace of Object.keys(PACES) as Pace[]) await benchJobs(server.url, pace, chainId);
  } finally {
    await browser.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable();
  if (writeDocsRequested()) await writeBenchDocs(docsTable());
}

async function benchChain(page: Page, chainId: string): Promise<void> {
  console.log('chain (10,000 jobs)');
  const clearMeasures = () => page.evaluate(() => performance.clearMeasures());
  await clearMeasures();
  const folded = await timeNavigation(
    page,
    `#/r/${CTX}/${chainId}/chain`,
    () => performance.getEntriesByName('chain:draw').length > 0,
  );
  record('chain first render, repeats folded (nav → first frame)', folded, 'ms', 1500);
  await clearMeasures();
  const unfolded = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        (document.querySelector('[data-testid="chain-expand-all"]') as HTMLButtonElement).click();
        const check = () => {
          const frames = performance.getEntriesByName('chain:draw');
          const nodes = Number(document.querySelector('[data-testid="chain-canvas"]')?.getAttribute('data-nodes'));
          if (frames.length > 0 && nodes >= 10_000) resolve(performance.now() - t0);
          else requestAnimationFrame(check);
        };
        check();
      }),
  );
  record('chain render, all 10,002 jobs unfolded (click → first frame)', unfolded, 'ms', 1500);
  const layout = await page.evaluate(() => {
    const e = performance.getEntriesByName('chain:layout');
    return e[e.length - 1]?.duration ?? 0;
  });
  record('  of which graph + layout', layout, 'ms', 1500);

  // Pan: drag across the whole graph (zoomed out from Fit, which keeps labels legible, to about
  // the 0.02 Fit once used for it), then zoomed in.
  for (let z = 0; z < 17; z++) await page.getByRole('button', { name: 'Zoom out' }).click();
  const canvas = page.getByTestId('chain-canvas');
  const box = (await canvas.boundingBox())!;
  const pan = async () => {
    await clearMeasures();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let s = 0; s < 120; s++) {
      await page.mouse.move(
        box.x + box.width / 2 + Math.sin(s / 10) * 300,
        box.y + box.height / 2 + Math.cos(s / 10) * 200,
      );
    }
    await page.mouse.up();
    await page.waitForTimeout(100);
    return page.evaluate(() => performance.getEntriesByName('chain:draw').map((e) => e.duration));
  };
  recordFrames('pan, whole graph in view (draw)', await pan());
  for (let z = 0; z < 8; z++) await page.getByRole('button', { name: 'Zoom in' }).click();
  recordFrames('pan, zoomed in, labels (draw)', await pan());
}

/**
 * The 100 MB log: open (navigation → first lines on screen, with where the time went), the whole
 * text read and indexed, search (plain, regex), then scrolling (scrollLog), uncapped and at
 * 60 Hz (PACES): steps (997 px a frame, while the log loads and after) and jumps to anywhere in
 * the log (dragging the scrollbar). The steps while it loads start as soon as the first lines show:
 * a cold page, whose first few dozen frames are slow (BENCH_SLOW_FRAMES=1 shows where).
 * BENCH_LOG_PROFILE=file.cpuprofile writes a CPU profile of those steps.
 */
async function benchLog(page: Page, logId: string): Promise<void> {
  const clearMeasures = () => page.evaluate(() => performance.clearMeasures());
  console.log('log (100 MB)');
  const hash = `#/r/${CTX}/${logId}/logs?job=dump%401&try=1`;
  await clearMeasures();
  const open = await timeNavigation(
    page,
    hash,
    () =>
      document.querySelector('[data-testid="log-line"][data-line="1"]') !== null &&
      !!document.querySelector('[data-testid="log-line-count"]')?.textContent?.includes(','),
  );
  record('open a 100 MB log (nav → first lines shown)', open, 'ms', 1000);
  const fetchMs = await page.evaluate(() => performance.getEntriesByName('log:fetch').at(0)?.duration ?? 0);
  const renderMs = await page.evaluate((openMs) => {
    const received = performance.getEntriesByName('log:fetch').at(0);
    const t0 = (globalThis as unknown as { benchT0: number }).benchT0;
    return received ? t0 + openMs - (received.startTime + received.duration) : 0;
  }, open);
  record('  before it: openRequest + jobLogSummaries', open - fetchMs - renderMs, 'ms', 1000);
  record('  first slice (jobLogText, 256 K characters)', fetchMs, 'ms', 1000);
  record('  renderer: slice received → lines on screen', renderMs, 'ms', 1000);
  await page.waitForFunction(() => !document.querySelector('[data-testid="log-loading"]'), undefined, {
    polling: 'raf',
    timeout: 120_000,
  });
  const whole = await page.evaluate(() => performance.now() - (globalThis as unknown as { benchT0: number }).benchT0);
  console.log(`  whole 100 MB read and line-indexed (nav → last slice): ${whole.toFixed(0)} ms (no target)`);
  await clearMeasures();
  await page.getByTestId('log-find').fill('needle-in-haystack');
  await page.getByTestId('log-match-count').filter({ hasText: '1 / 1' }).waitFor({ timeout: 60_000 });
  const search = await page.evaluate(() => performance.getEntriesByName('log:search').at(-1)?.duration ?? 0);
  record('search a 100 MB log, plain text', search, 'ms', 300);
  await page.getByTestId('log-regex').click();
  await page.waitForTimeout(1000);
  await clearMeasures();
  await page.getByTestId('log-find').fill('needle-in-\\w+');
  await page.waitForFunction(() => performance.getEntriesByName('log:search').length > 0, undefined, {
    timeout: 60_000,
  });
  await page.getByTestId('log-match-count').filter({ hasText: '1 / 1' }).waitFor({ timeout: 60_000 });
  const regex = await page.evaluate(() => performance.getEntriesByName('log:search').at(-1)?.duration ?? 0);
  record('search a 100 MB log, regex', regex, 'ms', 300);
  for (const pace of Object.keys(PACES) as Pace[]) await scrollLog(page, hash, pace);
}

/** Scrolling the log of `hash`, in a Chromium of its own paced by `pace` (the page the bench
 * opened hands over its token): while the log loads, then once it is in. */
async function scrollLog(page: Page, hash: string, pace: Pace): Promise<void> {
  const { browser: paced, page: p } = await pacedPage(pace);
  try {
    // The page took the token out of its URL (src-renderer/lib/token.ts): hand it over.
    const url = new URL(page.url());
    url.searchParams.set('token', await page.evaluate(() => sessionStorage.getItem('spincycle.webToken') ?? ''));
    url.hash = '#/start';
    await p.goto(url.toString());
    await p.getByTestId('context-name').waitFor();
    /** rAF intervals (240 frames) while scrollTop moves each frame: 997 px down, or anywhere (none: idle). */
    const frames = (kind: 'idle' | 'steps' | 'jumps') =>
      p.evaluate(
        (kind) =>
          new Promise<number[]>((resolve) => {
            const el = document.querySelector('[data-testid="log-viewport"]') as HTMLElement;
            const out: number[] = [];
            let last = performance.now();
            const step = () => {
              const now = performance.now();
              out.push(now - last);
              last = now;
              const max = el.scrollHeight - el.clientHeight;
              const n = out.length;
              if (kind === 'steps') el.scrollTop = (el.scrollTop + 997) % max;
              else if (kind === 'jumps') el.scrollTop = Math.round((((n * 7919) % 1000) / 1000) * max);
              if (n <= 240) requestAnimationFrame(step);
              else resolve(out.slice(1));
            };
            requestAnimationFrame(step);
          }),
        kind,
      );
    const report = (name: string, f: number[]) => recordFrames(`scroll the 100 MB log (${pace}), ${name}`, f, pace);
    const loading = () =>
      p.evaluate(() => document.querySelector('[data-testid="log-loading"]')?.textContent ?? 'done');
    await p.evaluate((h) => (location.hash = h), hash);
    await p.getByTestId('log-line').first().waitFor({ timeout: 60_000 });
    const from = await loading();
    const stopProfile = await startProfile(
      p,
      pace === 'uncapped' ? process.env.BENCH_LOG_PROFILE : undefined,
      'the steps while it loads',
    );
    report('steps while it loads', await frames('steps'));
    await stopProfile();
    console.log(`  (scrolled while it loaded: from "${from}" to "${await loading()}")`);
    await p.waitForFunction(() => !document.querySelector('[data-testid="log-loading"]'), undefined, {
      polling: 200,
      timeout: 120_000,
    });
    await p.waitForTimeout(1000);
    console.log(
      `  scroll, idle page: rAF interval p50 ${percentile(await frames('idle'), 50).toFixed(1)} ms (${pace})`,
    );
    report('997 px steps', await frames('steps'));
    report('jumps anywhere', await frames('jumps'));
  } finally {
    await paced.close();
  }
}

/**
 * The requests list over 100,000 cached requests, in a Chromium of its own paced by `pace`:
 * first rows, then frame intervals (rAF to rAF) while scrolling by steps (600 px a frame, a fling
 * of ~17 new rows, as the page's first scroll; then 120 px, a brisk wheel scroll of ~3; 360
 * frames each, enough for the share under 16 ms to repeat within a few %) and by long jumps
 * (40,000 px a frame, ~1,100 rows; 120 frames, turning back at the end so that no jump lands on
 * rows an earlier one loaded), then how long a jump takes until every row on screen shows data.
 * BENCH_LIST_TRACE=file.json also writes a DevTools trace of the scroll, BENCH_LIST_PROFILE=
 * file.cpuprofile a CPU profile of the steps.
 */
async function benchList(url: string, pace: Pace): Promise<void> {
  console.log(`requests list (100,000), ${pace}`);
  const { browser, page } = await pacedPage(pace);
  try {
    const base = new URL(url);
    // Console main indexes the seeded logs (the 100 MB one too) for search in the background when
    // it starts, and pages of the list would wait behind it: a search indexes whatever is
    // pending first, so once it answers main is idle and the list is measured alone.
    base.hash = '#/search?q=needle-in-haystack';
    await page.goto(base.toString());
    await page.getByTestId('log-search-hit').first().waitFor({ timeout: 120_000 });
    await page.evaluate(() => (location.hash = '#/start'));
    await page.getByTestId('start-view').waitFor();

    const openList = () => timeRowsShown(page, '#/requests', '[data-testid="request-link"]');
    record(`requests list first rows (100,000 cached, ${pace})`, await openList(), 'ms', 1000);
    await page.waitForTimeout(500);

    const scroll = (by: number, frames: number) => scrollFrames(page, '[data-testid="request-list"]', by, frames);
    /** Rows inside the viewport, and how many of them show data (not a placeholder), in the
     * frame after the last scroll (its scroll event comes with the next frame). */
    const onScreen = () =>
      page.evaluate(async () => {
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const el = document.querySelector('[data-testid="request-list"]') as HTMLElement;
        const box = el.getBoundingClientRect();
        let rows = 0;
        let loaded = 0;
        for (const r of document.querySelectorAll<HTMLElement>('[data-testid="request-row"]')) {
          const b = r.getBoundingClientRect();
          if (b.height === 0 || b.bottom <= box.top || b.top >= box.bottom) continue;
          rows++;
          if (r.getAttribute('aria-busy') !== 'true' && r.querySelector('[data-testid="request-link"]')) loaded++;
        }
        return { rows, loaded };
      });

    const trace = pace === 'uncapped' ? process.env.BENCH_LIST_TRACE : undefined;
    if (trace) await browser.startTracing(page, { path: trace, screenshots: false });
    const report = (name: string, frames: number[]) =>
      recordFrames(`scroll 100,000 requests (${pace}), ${name}`, frames, pace);
    const profile = pace === 'uncapped' ? process.env.BENCH_LIST_PROFILE : undefined;
    const stopProfile = await startProfile(page, profile, 'the steps');
    // The fling first: a fresh page's first scroll is its slowest.
    report('600 px steps', await scroll(600, 360));
    report('120 px steps', await scroll(120, 360));
    await stopProfile();
    report('40,000 px jumps', await scroll(40_000, 120));
    if (trace) {
      await browser.stopTracing();
      console.log(`  trace written to ${trace}`);
    }
    const end = await onScreen();
    console.log(`  right after the last jump: ${end.loaded} of ${end.rows} rows on screen show data`);

    // A jump, then the time until every row on screen shows data (checked on DOM mutations, not
    // by polling every frame, which in an uncapped page would starve the page's own timers and
    // socket), to the frame that shows it; 30 times, on a fresh list (away and back) so that no
    // page but the first is loaded, each to a different place (1 % of the list apart at least).
    await page.evaluate(() => (location.hash = '#/start'));
    await page.getByTestId('start-view').waitFor();
    await openList();
    await page.evaluate(() => performance.clearMeasures('list:page'));
    const settle: number[] = [];
    for (let j = 1; j <= 30; j++) {
      settle.push(
        await page.evaluate(
          (j) =>
            new Promise<number>((resolve) => {
              const el = document.querySelector('[data-testid="request-list"]') as HTMLElement;
              const box = el.getBoundingClientRect();
              const done = () => {
                let rows = 0;
                for (const r of document.querySelectorAll<HTMLElement>('[data-testid="request-row"]')) {
                  const b = r.getBoundingClientRect();
                  if (b.height === 0 || b.bottom <= box.top || b.top >= box.bottom) continue;
                  if (r.getAttribute('aria-busy') === 'true') return false;
                  rows++;
                }
                return rows > 0;
              };
              const seen = new MutationObserver(() => {
                if (!done()) return;
                seen.disconnect();
                requestAnimationFrame(() => resolve(performance.now() - t0));
              });
              seen.observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
              const t0 = performance.now();
              el.scrollTop = Math.round((((j * 7919) % 100) / 100) * (el.scrollHeight - el.clientHeight));
            }),
          j,
        ),
      );
    }
    record(`jump to unseen rows → all rows on screen show data (${pace}), p95`, percentile(settle, 95), 'ms', 100);
    const pages = await page.evaluate(() => performance.getEntriesByName('list:page').map((e) => e.duration));
    console.log(
      `  (jump → data p50 ${percentile(settle, 50).toFixed(0)} ms; a page request (200 rows, or the 2 pages a view spans) answers in p50 ${percentile(pages, 50).toFixed(0)} / p95 ${percentile(pages, 95).toFixed(0)} ms)`,
    );
    const final = await onScreen();
    console.log(`  at the end: ${final.loaded} of ${final.rows} rows on screen show data`);
  } finally {
    await browser.close();
  }
}

/**
 * The job table of the 10,000-job chain, in a Chromium of its own paced by `pace`: first rows
 * (navigation → rows on screen), then frame intervals while scrolling it 600 px a frame (~19 new
 * rows; 360 frames, turning back at the ends) and by jumps anywhere (120 frames).
 */
async function benchJobs(url: string, pace: Pace, chainId: string): Promise<void> {
  console.log(`job table (10,002 jobs), ${pace}`);
  const { browser, page } = await pacedPage(pace);
  try {
    const base = new URL(url);
    base.hash = '#/start';
    await page.goto(base.toString());
    await page.getByTestId('start-view').waitFor();
    const first = await timeRowsShown(page, `#/r/${CTX}/${chainId}/jobs`, '[data-testid="job-row"]');
    record(`job table first rows (10,002 jobs, ${pace})`, first, 'ms', 1500);
    await page.waitForTimeout(500);
    const scroll = (by: number, frames: number) => scrollFrames(page, '[data-testid="job-list"]', by, frames);
    const report = (name: string, frames: number[]) =>
      recordFrames(`scroll the job table (${pace}), ${name}`, frames, pace);
    const profile = pace === 'uncapped' ? process.env.BENCH_JOBS_PROFILE : undefined;
    const stopProfile = await startProfile(page, profile, 'the 600 px steps');
    report('600 px steps', await scroll(600, 360));
    await stopProfile();
    report('jumps anywhere', await scroll(0, 120));
  } finally {
    await browser.close();
  }
}

function printTable(): void {
  console.log('\nUI bench (Chromium, this machine)');
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log(`${'measure'.padEnd(w)}  ${'value'.padStart(10)}  ${'target'.padStart(10)}  value/target  ok`);
  for (const r of rows) {
    const ratio = r.value / r.target;
    const ok = r.lower ? r.value <= r.target : r.value >= r.target;
    console.log(
      `${r.what.padEnd(w)}  ${`${r.value.toFixed(1)} ${r.unit}`.padStart(10)}  ${`${r.lower ? '<' : '≥'} ${r.target} ${r.unit}`.padStart(10)}  ${ratio.toFixed(2).padStart(12)}  ${ok ? 'yes' : 'NO'}`,
    );
  }
}

/** The figures as docs/benchmarks.md shows them. */
function docsTable() {
  return {
    id: 'ui',
    command: 'npm run bench:ui',
    columns: ['measure', 'figure', 'target', 'met'],
    rows: rows.map((r) => [
      r.what.trim(),
      `${r.value.toFixed(1)} ${r.unit}`,
      `${r.lower ? '<' : '≥'} ${r.target} ${r.unit}`,
      (r.lower ? r.value <= r.target : r.value >= r.target) ? 'yes' : 'no',
    ]),
  };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
