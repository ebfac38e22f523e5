// Hash routing: the URL names the view (so reload and back/forward work, and a request, tab,
// job, try and log line can be linked). Routes: see lib/routes.ts.

import { parseRoute, requestRoute, routeHash, type RequestRoute, type Route } from '../lib/routes';

export {
  REQUEST_TABS,
  requestRoute,
  type LogStream,
  type RequestRoute,
  type RequestTab,
  type Route,
} from '../lib/routes';

class Router {
  route = $state<Route>(parseRoute(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => (this.route = parseRoute(location.hash)));
  }

  go(route: Route, replace = false): void {
    const hash = routeHash(route);
    if (replace) history.replaceState(history.state, '', hash);
    else if (location.hash !== hash) history.pushState(history.state, '', hash);
    this.route = parseRoute(hash);
  }

  /** Opens a request: on what is given (a tab, a job's try, a log line), else on what matters. */
  openRequest(context: string, id: string, more: Partial<Omit<RequestRoute, 'name'>> = {}) {
    this.go(requestRoute(context, id, more));
  }
}

export const router = new Router();
