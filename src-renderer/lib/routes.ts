// Routes of the console and their hash form: #/requests, #/r/<ctx>/<id>/<tab>?job=&try=,
// #/start[/<type>], #/search?q=. Pure functions; the router state lives in state/router.svelte.ts.

export type RequestTab = 'chain' | 'jobs' | 'timeline' | 'logs';
export const REQUEST_TABS: readonly RequestTab[] = ['chain', 'jobs', 'timeline', 'logs'];

export type Route =
  | { name: 'requests' }
  | { name: 'request'; context: string; id: string; tab: RequestTab; job: string | null; try: number | null }
  | { name: 'start'; type: string | null }
  | { name: 'search'; q: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'r' && parts[1] && parts[2]) {
    const tab = (REQUEST_TABS as readonly string[]).includes(parts[3] ?? '') ? (parts[3] as RequestTab) : 'chain';
    const t = Number(params.get('try'));
    return {
      name: 'request',
      context: parts[1],
      id: parts[2],
      tab,
      job: params.get('job'),
      try: Number.isInteger(t) && t > 0 ? t : null,
    };
  }
  if (parts[0] === 'start') return { name: 'start', type: parts[1] ?? null };
  if (parts[0] === 'search') return { name: 'search', q: params.get('q') ?? '' };
  return { name: 'requests' };
}

export function routeHash(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.name) {
    case 'requests':
      return '#/requests';
    case 'start':
      return route.type ? `#/start/${enc(route.type)}` : '#/start';
    case 'search':
      return route.q ? `#/search?q=${enc(route.q)}` : '#/search';
    case 'request': {
      const q = new URLSearchParams();
      if (route.job) q.set('job', route.job);
      if (route.try) q.set('try', String(route.try));
      const qs = q.toString();
      return `#/r/${enc(route.context)}/${enc(route.id)}/${route.tab}${qs ? `?${qs}` : ''}`;
    }
  }
}
