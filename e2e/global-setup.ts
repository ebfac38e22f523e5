// Playwright global setup: one web bridge (the real serve.ts entry, real handlers) for
// the whole run; its URL and token reach the workers through environment variables.

import { publishBridge, startBridgeProcess } from './support/web-bridge';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bridge = await startBridgeProcess();
  publishBridge(bridge);
  return () => bridge.stop();
}
