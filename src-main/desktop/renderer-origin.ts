// Where the console window's page comes from: `app://console/`, a custom scheme served from the
// built renderer folder (renderer-protocol.ts), not file://. The page then has a fixed origin
// whatever the install path (a path with `%`, `[`, `]`, `^` or `|` made file URLs built two ways
// differ, and every IPC call was refused), and its responses carry real headers
// (Content-Security-Policy with frame-ancestors, which a <meta> tag cannot set). The answers are
// plain fetch Responses read from disk, so everything here runs under Node.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { contentTypeOf } from '../shared/content-types';
import { ERROR_PAGE_POLICY, rendererHeaders } from './csp';
import { rendererGonePage } from './renderer-recovery';

export const RENDERER_SCHEME = 'app';
export const RENDERER_HOST = 'console';
const ORIGIN = `${RENDERER_SCHEME}://${RENDERER_HOST}`;

/** The console page. */
export const PAGE_URL = `${ORIGIN}/index.html`;
/** The page shown when the window's renderer keeps crashing (renderer-recovery.ts). */
export const RENDERER_GONE_PATH = '/renderer-gone.html';

function parse(url: string | undefined): URL | null {
  try {
    return url ? new URL(url) : null;
  } catch {
    return null;
  }
}

/** Scheme and host (hosts of a standard scheme are case-insensitive, as Chromium treats app:). */
const originOf = (u: URL): string => `${u.protocol}//${u.host.toLowerCase()}`;

/** Whether `url` is the console page (any query or hash: the renderer routes on the hash). */
export function isConsolePage(url: string | undefined): boolean {
  const u = parse(url);
  return u !== null && originOf(u) === ORIGIN && u.pathname === '/index.html';
}

/** Whether `url` is anything served by the console's own scheme. */
export function isConsoleOrigin(url: string | undefined): boolean {
  const u = parse(url);
  return u !== null && originOf(u) === ORIGIN;
}

export type RendererTarget =
  | { kind: 'file'; file: string }
  | { kind: 'renderer-gone'; reason: string; times: number }
  | { kind: 'refused'; status: 400 | 404; message: string };

/** Which file under `root` (the built renderer) an app:// request is for. */
export function resolveRendererRequest(url: string, root: string): RendererTarget {
  const u = parse(url);
  if (!u || originOf(u) !== ORIGIN) return { kind: 'refused', status: 404, message: 'Not found' };
  if (u.pathname === RENDERER_GONE_PATH) {
    const times = Number(u.searchParams.get('times'));
    return { kind: 'renderer-gone', reason: u.searchParams.get('reason') ?? 'unknown', times: times > 0 ? times : 1 };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.pathname);
  } catch {
    return { kind: 'refused', status: 400, message: 'Bad path' };
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(root, relative);
  const inside = path.relative(path.resolve(root), file);
  if (decoded.includes('\0') || !inside || inside.startsWith('..') || path.isAbsolute(inside)) {
    return { kind: 'refused', status: 404, message: 'Not found' };
  }
  return { kind: 'file', file };
}

const TEXT = 'text/plain; charset=utf-8';

/** The answer to one app:// request: a file of the built renderer, the error page, or a refusal. */
export async function answerRendererRequest(url: string, root: string, logFolder: string | null): Promise<Response> {
  const target = resolveRendererRequest(url, root);
  switch (target.kind) {
    case 'refused':
      return new Response(`${target.message}\n`, { status: target.status, headers: rendererHeaders(TEXT) });
    case 'renderer-gone':
      return new Response(rendererGonePage(target.reason, target.times, logFolder), {
        headers: rendererHeaders('text/html; charset=utf-8', ERROR_PAGE_POLICY),
      });
    case 'file':
      try {
        return new Response(await readFile(target.file), { headers: rendererHeaders(contentTypeOf(target.file)) });
      } catch {
        return new Response('Not found\n', { status: 404, headers: rendererHeaders(TEXT) });
      }
  }
}

/** The error page's URL after the renderer died `times` times (`reason`: Electron's). */
export function rendererGoneUrl(reason: string, times: number): string {
  const q = new URLSearchParams({ reason, times: String(times) });
  return `${ORIGIN}${RENDERER_GONE_PATH}?${q.toString()}`;
}
