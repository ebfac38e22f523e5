// Playwright global setup: the one build (so the run tests the sources as they are), then one
// web bridge (the compiled web entry, real handlers) for the whole run; its URL and token
// reach the workers through environment variables.

import { buildApp } from '../scripts/build-app.js';
import { publishBridge, startBridgeProcess } from './support/web-bridge';

export default async function globalSetup(): Promise<() => Promise<void>> {
  await buildApp();
  const bridge = await startBridgeProcess();
  publishBridge(bridge);
  return () => bridge.stop();
}
