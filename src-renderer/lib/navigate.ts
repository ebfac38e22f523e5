// Main's `navigate` event opens a request: the operator clicked it in the tray menu or in a
// desktop notification, or opened a spincycle:// link. The renderer routes to that request's
// page (a failed one opens on its failure); a request already on screen keeps its tab, job and try.

import type { ConsoleApi, Unsubscribe } from '../../src-main/shared/ipc';
import { requestRoute, type Route } from './routes';

const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** The route a `navigate` payload leads to, or null to stay (already there, or not a request). */
export function navigateRoute(payload: unknown, current: Route): Route | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { context, requestId } = payload as { context?: unknown; requestId?: unknown };
  if (!isName(context) || !isName(requestId)) return null;
  if (current.name === 'request' && current.context === context && current.id === requestId) return null;
  return requestRoute(context, requestId);
}

/** Follows `navigate` events for as long as the page lives. */
export function followNavigate(
  api: Pick<ConsoleApi, 'on'>,
  router: { readonly route: Route; go(route: Route): void },
): Unsubscribe {
  return api.on('navigate', (payload) => {
    const next = navigateRoute(payload, router.route);
    if (next) router.go(next);
  });
}
