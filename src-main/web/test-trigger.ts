// Test only: the desktop app sends the contract's `navigate` event when the operator opens a
// request from the tray, a notification or a spincycle:// link. The browser has none of those,
// so with test hooks on (SPINCYCLE_E2E_HOOKS=1) the web bridge takes
// `POST /__e2e/navigate?token=…` with `{"context","requestId"}` and emits that event, letting a
// Chromium test prove the renderer opens the request. Off unless asked for; the token is checked
// as on the WebSocket.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventHub } from '../console/events';
import { WEB_TOKEN_PARAM } from '../shared/bridge';
import { sendText } from './static-files';
import { tokensEqual } from './token';

export const NAVIGATE_TRIGGER_PATH = '/__e2e/navigate';

const MAX_BODY = 4096;
const NAME = /^[\w.-]{1,200}$/;

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}

/** `{context, requestId}` from the body, or what is wrong with it. */
export function parseNavigateBody(text: string): { context: string; requestId: string } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'body is not JSON' };
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof v.context !== 'string' || !NAME.test(v.context)) return { problem: 'context: expected a context name' };
  if (typeof v.requestId !== 'string' || !NAME.test(v.requestId))
    return { problem: 'requestId: expected a request id' };
  return { context: v.context, requestId: v.requestId };
}

export async function handleNavigateTrigger(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  token: string,
  events: EventHub,
  headers: Record<string, string>,
): Promise<void> {
  if (req.method !== 'POST') return sendText(res, 405, 'POST only\n', { ...headers, Allow: 'POST' });
  if (!tokensEqual(token, url.searchParams.get(WEB_TOKEN_PARAM))) {
    return sendText(res, 401, 'Unauthorized: missing or wrong token\n', headers);
  }
  const text = await readBody(req);
  if (text === null) return sendText(res, 413, `Body larger than ${MAX_BODY} bytes\n`, headers);
  const target = parseNavigateBody(text);
  if ('problem' in target) return sendText(res, 400, `Bad request: ${target.problem}\n`, headers);
  events.emit('navigate', target);
  sendText(res, 200, 'navigate sent\n', headers);
}
