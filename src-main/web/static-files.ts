// Serves the built renderer (out/renderer) over HTTP: GET/HEAD only, no directory
// listings, no path escapes, strict security headers. The files are the public bundle;
// the token guards the WebSocket, not these.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve, sep } from 'node:path';
import { contentTypeOf } from '../shared/content-types';

/** Headers sent with every response, including errors. */
export function securityHeaders(ownOrigin: string): Record<string, string> {
  const wsOrigin = ownOrigin.replace(/^http/, 'ws');
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${wsOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer', // the page URL carries the token
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Maps a request path to a file under root, or null when it would escape root. */
function resolveUnder(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = resolve(join(root, relative));
  return file.startsWith(root + sep) ? file : null;
}

export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  headers: Record<string, string>,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method not allowed\n', { ...headers, Allow: 'GET, HEAD' });
    return;
  }
  const rootDir = resolve(root);
  const indexStat = await stat(join(rootDir, 'index.html')).catch(() => null);
  if (!indexStat?.isFile()) {
    sendText(res, 503, 'The console renderer is not built yet: run `npm run build`.\n', headers);
    return;
  }
  const file = resolveUnder(rootDir, pathname);
  const fileStat = file ? await stat(file).catch(() => null) : null;
  if (!file || !fileStat?.isFile()) {
    sendText(res, 404, 'Not found\n', headers);
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeOf(file),
    'Content-Length': fileStat.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
