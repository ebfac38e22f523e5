// One browser connection on the web bridge: reads call frames {id, method, args} (args: the
// method's arguments object),
// answers {id, result}, and forwards contract events as {event, payload}. A bad frame
// gets an error reply and the connection (and server) keep going.

import type { RawData, WebSocket } from 'ws';
import { dispatch } from '../console/dispatch';
import type { EventHub } from '../console/events';
import type { ContractHandlers } from '../console/handlers';
import type { AnyEventFrame, CallId, ReplyFrame } from '../shared/bridge';
import { err, type Result } from '../shared/result';

type ParsedFrame = { id: CallId; method: unknown; args: unknown } | { id: CallId | null; problem: string };

function parseFrame(data: RawData, isBinary: boolean): ParsedFrame {
  if (isBinary) return { id: null, problem: 'binary frames are not supported: send JSON text' };
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return { id: null, problem: `malformed frame, not JSON: ${(cause as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: null, problem: 'malformed frame: expected a JSON object {id, method, args}' };
  }
  const frame = value as { id?: unknown; method?: unknown; args?: unknown };
  const id = frame.id;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) {
    return { id: null, problem: 'malformed frame: "id" must be a number or a string' };
  }
  // Missing args mean "no arguments"; anything else is checked by dispatch.
  return { id, method: frame.method, args: frame.args };
}

export function serveConnection(ws: WebSocket, handlers: ContractHandlers, events: EventHub): void {
  const send = (frame: ReplyFrame | AnyEventFrame): void => {
    if (ws.readyState !== ws.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(frame);
    } catch (cause) {
      if (!('id' in frame)) return;
      text = JSON.stringify({
        id: frame.id,
        result: err('internal', `reply not serialisable: ${(cause as Error).message}`),
      });
    }
    ws.send(text);
  };

  const reply = (id: CallId | null, result: Result<unknown>): void => send({ id, result });

  ws.on('message', (data, isBinary) => {
    const frame = parseFrame(data, isBinary);
    if ('problem' in frame) {
      reply(frame.id, err('bad-request', frame.problem));
      return;
    }
    void dispatch(handlers, frame.method, frame.args).then((result) => reply(frame.id, result));
  });

  // Replay retained events (current status) so the page starts from the present state.
  const unsubscribe = events.subscribe(send, { replay: true });
  ws.on('close', unsubscribe);
  ws.on('error', () => ws.terminate());
}
