// Picks how the renderer reaches console main: the Electron preload's `window.spincycle`
// when present, otherwise the web bridge's WebSocket on the page's own origin (big-text calls
// through a worker: off-main-calls.ts).

import { PRELOAD_GLOBAL } from '../../src-main/shared/bridge';
import type { ConsoleApi } from '../../src-main/shared/ipc';
import { takeToken } from './token';
import { createWebTransport } from './web-transport';
import { withOffMainCalls } from './off-main-calls';

export type TransportKind = 'electron' | 'web';

export interface Transport {
  readonly kind: TransportKind;
  readonly api: ConsoleApi;
}

export function pickTransport(win: Window): Transport {
  const preload = (win as unknown as Record<string, unknown>)[PRELOAD_GLOBAL];
  if (typeof preload === 'object' && preload !== null) {
    return { kind: 'electron', api: preload as ConsoleApi };
  }
  const options = { origin: win.location.origin, token: takeToken(win) };
  return { kind: 'web', api: withOffMainCalls(createWebTransport(options), options) };
}
