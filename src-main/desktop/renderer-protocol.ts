// Serves the built renderer on app://console (Electron adapter): the scheme is registered as
// standard and secure before the app is ready (a real origin, relative URLs, a secure context for
// the clipboard), then every request is answered by renderer-origin.ts from the renderer folder,
// with the console's headers (csp.ts).

import { protocol } from 'electron';
import { answerRendererRequest, RENDERER_SCHEME } from './renderer-origin';

/** Must run before app 'ready'. */
export function registerRendererScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: RENDERER_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** After 'ready': answers app://console/… from `root` (out/renderer). */
export function serveRenderer(root: string, logFolder: () => string | null): void {
  protocol.handle(RENDERER_SCHEME, (request) => answerRendererRequest(request.url, root, logFolder()));
}
