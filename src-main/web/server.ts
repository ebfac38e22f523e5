// The web bridge: an HTTP server on loopback serving the built renderer and a WebSocket
// endpoint carrying the IPC contract as JSON. The upgrade needs the per-run token and an
// Origin equal to the server's own; everything else is refused (401/403/404).

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { EventHub } from '../console/events';
import type { ContractHandlers } from '../console/handlers';
import { WEB_SOCKET_PATH, WEB_TOKEN_PARAM } from '../shared/bridge';
import { serveConnection } from './connection';
import { securityHeaders, sendText, serveStatic } from './static-files';
import { handleNavigateTrigger, NAVIGATE_TRIGGER_PATH } from './test-trigger';
import { generateToken, tokensEqual } from './token';

export interface WebBridgeOptions {
  readonly handlers: ContractHandlers;
  readonly events: EventHub;
  /** Folder with the built renderer (index.html + assets). */
  readonly staticRoot: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Defaults to a fresh random token. */
  readonly token?: string;
  /** Largest accepted WebSocket frame, bytes. Default 1 MiB. */
  readonly maxPayload?: number;
  /** Accept the end-to-end tests' `navigate` trigger (test-trigger.ts). Default off. */
  readonly testHooks?: boolean;
}

export interface WebBridge {
  readonly port: number;
  readonly origin: string;
  readonly token: string;
  /** The URL to open: origin + '/?token=…'. */
  readonly url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

/** Refuses an upgrade with a plain HTTP response on the raw socket. */
function refuseUpgrade(socket: Duplex, status: 401 | 403 | 404, message: string): void {
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

export async function startWebBridge(options: WebBridgeOptions): Promise<WebBridge> {
  const token = options.token ?? generateToken();
  if (token.length < 16) throw new Error('web bridge token must be at least 16 characters');

  // Filled in once listening; requests cannot arrive before that.
  let origin = '';
  let host = '';
  let headers: Record<string, string> = {};

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 1024 * 1024 });
  wss.on('connection', (ws) => serveConnection(ws, options.handlers, options.events));

  const server: Server = createServer((req, res) => {
    // Host check: a page on another name resolving to 127.0.0.1 (DNS rebinding) gets nothing.
    if (req.headers.host !== host) {
      sendText(res, 403, `Forbidden: open ${origin}/ instead\n`, headers);
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    const { pathname } = url;
    if (pathname === WEB_SOCKET_PATH) {
      sendText(res, 426, 'This endpoint speaks WebSocket only\n', headers);
      return;
    }
    const served =
      options.testHooks && pathname === NAVIGATE_TRIGGER_PATH
        ? handleNavigateTrigger(req, res, url, token, options.events, headers)
        : serveStatic(options.staticRoot, req, res, pathname, headers);
    served.catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal error\n', headers);
      else res.destroy();
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname !== WEB_SOCKET_PATH) return refuseUpgrade(socket, 404, 'Not found');
    if (!tokensEqual(token, url.searchParams.get(WEB_TOKEN_PARAM))) {
      return refuseUpgrade(socket, 401, 'Unauthorized: missing or wrong token');
    }
    if (req.headers.origin !== origin || req.headers.host !== host) {
      return refuseUpgrade(socket, 403, `Forbidden: Origin must be ${origin}`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  host = `${HOST}:${port}`;
  origin = `http://${host}`;
  headers = securityHeaders(origin);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const client of wss.clients) client.close(1001, 'server shutting down');
      wss.close();
      server.close(() => resolve());
      server.closeIdleConnections();
      // Give clients a moment to close politely, then cut what remains.
      setTimeout(() => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
      }, 500).unref();
    });
    return closing;
  };

  return {
    port,
    origin,
    token,
    url: `${origin}/?${WEB_TOKEN_PARAM}=${encodeURIComponent(token)}`,
    close,
  };
}
