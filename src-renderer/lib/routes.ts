// Routes of the console and their hash form: #/requests, #/r/<ctx>/<id>[/<tab>]?job=&try=&stream=&line=&find=,
// #/start[/<type>][?args=<JSON object>] (a request run again: its args fill the form), #/search?q=. Pure functions; the router state lives in state/router.svelte.ts.
// A request's route without a tab opens on what matters: a failed request on its failure.
// `line` (1-based) is a log line's permalink; `find` opens a log searched for a term.

import type { JsonObject } from '../../src-main/shared/proto';

export type RequestTab = 'chain' | 'jobs' | 'timeline' | 'logs';
export const REQUEST_TABS: readonly RequestTab[] = ['chain', 'jobs', 'timeline', 'logs'];
export type LogStream = 'stdout' | 'stderr';

export interface RequestRoute {
  name: 'request';
  context: string;
  id: string;
  /** null: not chosen (the request page picks: its failure, else the chain) */
  tab: RequestTab | null;
  job: string | null;
  try: number | null;
  stream: LogStream | null;
  /** a log line, 1-based */
  line: number | null;
  /** a term to search the log for */
  find: string | null;
}

export interface StartRoute {
  name: 'start';
  type: string | null;
  /** Values to fill the form with (running a request again); absent: the type's defaults. */
  args?: JsonObject | null;
}

export type Route = { name: 'requests' } | RequestRoute | StartRoute | { name: 'search'; q: string };

/** A JSON object from a query parameter, or null. */
function jsonObject(text: string | null): JsonObject | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : null;
  } catch {
    return null;
  }
}

/** A request's route with nothing chosen but what is given. */
export function requestRoute(
  context: string,
  id: string,
  more: Partial<Omit<RequestRoute, 'name'>> = {},
): RequestRoute {
  return {
    name: 'request',
    context,
    id,
    tab: null,
    job: null,
    try: null,
    stream: null,
    line: null,
    find: null,
    ...more,
  };
}

const positive = (v: string | null): number | null => {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n > 0 ? n : null;
};

/** The path's parts, decoded; null when one is not valid percent-encoding (a mistyped link). */
function pathParts(path: string): string[] | null {
  try {
    return path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return null;
  }
}

/** The route a hash names; the request list for one that names none or cannot be read. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : text.slice(q + 1));
  const parts = pathParts(q < 0 ? text : text.slice(0, q));
  if (!parts) return { name: 'requests' };
  if (parts[0] === 'r' && parts[1] && parts[2]) {
    const tab = (REQUEST_TABS as readonly string[]).includes(parts[3] ?? '') ? (parts[3] as RequestTab) : null;
    const stream = params.get('stream');
    return requestRoute(parts[1], parts[2], {
      tab,
      job: params.get('job') || null,
      try: positive(params.get('try')),
      stream: stream === 'stdout' || stream === 'stderr' ? stream : null,
      line: positive(params.get('line')),
      find: params.get('find') || null,
    });
  }
  if (parts[0] === 'start') {
    const args = jsonObject(params.get('args'));
    return args ? { name: 'start', type: parts[1] ?? null, args } : { name: 'start', type: parts[1] ?? null };
  }
  if (parts[0] === 'search') return { name: 'search', q: params.get('q') ?? '' };
  return { name: 'requests' };
}

export function routeHash(route: Route): string {
  const enc = encodeURIComponent;
  switch (route.name) {
    case 'requests':
      return '#/requests';
    case 'start': {
      const path = route.type ? `#/start/${enc(route.type)}` : '#/start';
      return route.args ? `${path}?${new URLSearchParams({ args: JSON.stringify(route.args) }).toString()}` : path;
    }
    case 'search':
      return route.q ? `#/search?q=${enc(route.q)}` : '#/search';
    case 'request': {
      const q = new URLSearchParams();
      if (route.job) q.set('job', route.job);
      if (route.try) q.set('try', String(route.try));
      if (route.stream) q.set('stream', route.stream);
      if (route.line) q.set('line', String(route.line));
      if (route.find) q.set('find', route.find);
      const qs = q.toString();
      return `#/r/${enc(route.context)}/${enc(route.id)}${route.tab ? `/${route.tab}` : ''}${qs ? `?${qs}` : ''}`;
    }
  }
}
