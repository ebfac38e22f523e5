// Hash routing: the URL names the view (so reload and back/forward work, and a request, tab,
// job and try can be linked). Routes: #/requests, #/r/<ctx>/<id>/<tab>?job=&try=,
// #/start[/<type>], #/search?q=.

import { parseRoute, routeHash, type RequestTab, type Route } from '../lib/routes';

export { REQUEST_TABS, type RequestTab, type Route } from '../lib/routes';

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

  openRequest(
    context: string,
    id: string,
    tab: RequestTab = 'chain',
    job: string | null = null,
    tryN: number | null = null,
  ) {
    this.go({ name: 'request', context, id, tab, job, try: tryN });
  }
}

export const router = new Router();
