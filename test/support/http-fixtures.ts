// Reads recorded exchanges (test/fixtures/http/*.txt: the original Spin Cycle of 2017;
// test/fixtures/http-v2/*.txt: upstream v2.1.1) into request/response objects, for
// wire-compatibility tests.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
/** The 2017 original's recordings. */
export const FIXTURE_DIR = path.join(FIXTURES, 'http');
/** Upstream v2.1.1's recordings. */
export const V2_FIXTURE_DIR = path.join(FIXTURES, 'http-v2');

export interface RecordedMessage {
  headers: Record<string, string>;
  /** Exact body text ('' when there was none). */
  body: string;
}

export interface Exchange {
  file: string;
  title: string;
  method: string;
  path: string;
  request: RecordedMessage;
  /** null when the server gave no reply (the original JR crashed). */
  response: (RecordedMessage & { status: number }) | null;
}

/** Takes `bytes` bytes of `text` starting at line `start` (the body follows its header block). */
function bodyAt(lines: string[], start: number, bytes: number): string {
  return Buffer.from(lines.slice(start).join('\n')).subarray(0, bytes).toString();
}

function headersOf(lines: string[], prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    if (!line.startsWith(prefix)) continue;
    const m = /^[<>] ([\w-]+): (.*)$/.exec(line);
    if (m) out[(m[1] as string).toLowerCase()] = m[2] as string;
  }
  return out;
}

/** One recording of the 2017 original. */
export function readExchange(file: string): Exchange {
  return readExchangeIn(FIXTURE_DIR, file);
}

/** One recording of upstream v2.1.1. */
export function readV2Exchange(file: string): Exchange {
  return readExchangeIn(V2_FIXTURE_DIR, file);
}

function readExchangeIn(dir: string, file: string): Exchange {
  const lines = readFileSync(path.join(dir, file), 'utf8').split('\n');
  const title = (lines[0] ?? '').replace(/^# /, '');
  const requestLine = lines.find((l) => l.startsWith('> ')) ?? '';
  const [, method = '', urlPath = ''] = /^> (\S+) (\S+)/.exec(requestLine) ?? [];
  const reqEnd = lines.indexOf('>');
  const reqBytes = lines.map((l) => /^# \(request body: (\d+) bytes/.exec(l)).find(Boolean);
  const request: RecordedMessage = {
    headers: headersOf(lines.slice(0, reqEnd), '> '),
    body: reqBytes ? bodyAt(lines, reqEnd + 1, Number(reqBytes[1])) : '',
  };
  const statusIdx = lines.findIndex((l) => /^< HTTP\/1\.1 \d+/.test(l));
  if (statusIdx < 0) return { file, title, method, path: urlPath, request, response: null };
  const status = Number(/^< HTTP\/1\.1 (\d+)/.exec(lines[statusIdx] as string)?.[1]);
  const respEnd = lines.indexOf('<', statusIdx);
  const respBytes = lines
    .slice(respEnd)
    .map((l) => /^# \(response body: (\d+) bytes/.exec(l))
    .find(Boolean);
  return {
    file,
    title,
    method,
    path: urlPath,
    request,
    response: {
      status,
      headers: headersOf(lines.slice(statusIdx, respEnd), '< '),
      body: respBytes ? bodyAt(lines, respEnd + 1, Number(respBytes[1])) : '',
    },
  };
}

/** Every recording in `dir` (default: the 2017 original's), in file order. */
export function allExchanges(dir = FIXTURE_DIR): Exchange[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}-.*\.txt$/.test(f))
    .sort()
    .map((f) => readExchangeIn(dir, f));
}
