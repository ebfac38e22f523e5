// Every route of the console survives its hash form (what the address bar, a shared link and a
// permalink carry); a hash that names nothing, or cannot be read, opens the request list.

import { describe, expect, it } from 'vitest';
import { REQUEST_TABS, parseRoute, requestRoute, routeHash, type Route } from './routes';

describe('routes and their hashes', () => {
  const routes: Array<[Route, string]> = [
    [{ name: 'requests' }, '#/requests'],
    [{ name: 'start', type: null }, '#/start'],
    [{ name: 'start', type: 'rolling-restart' }, '#/start/rolling-restart'],
    [{ name: 'start', type: 'a/b c' }, '#/start/a%2Fb%20c'],
    [{ name: 'search', q: '' }, '#/search'],
    [{ name: 'search', q: 'disk full' }, '#/search?q=disk%20full'],
    [{ name: 'search', q: 'a&b=c?#%+é' }, '#/search?q=a%26b%3Dc%3F%23%25%2B%C3%A9'],
    [requestRoute('local', 'abc'), '#/r/local/abc'],
    ...REQUEST_TABS.map((tab): [Route, string] => [requestRoute('local', 'abc', { tab }), `#/r/local/abc/${tab}`]),
    [requestRoute('prod/east?', 'id#1'), '#/r/prod%2Feast%3F/id%231'],
    [requestRoute('local', 'abc', { tab: 'jobs', job: 'check-disk@3' }), '#/r/local/abc/jobs?job=check-disk%403'],
    [
      requestRoute('prod east', 'abc', {
        tab: 'logs',
        job: 'check-disk@3',
        try: 2,
        stream: 'stderr',
        line: 17,
        find: 'no room',
      }),
      '#/r/prod%20east/abc/logs?job=check-disk%403&try=2&stream=stderr&line=17&find=no+room',
    ],
    [
      requestRoute('local', 'abc', { tab: 'logs', job: 'a@1', try: 1, stream: 'stdout', find: 'x&y=z' }),
      '#/r/local/abc/logs?job=a%401&try=1&stream=stdout&find=x%26y%3Dz',
    ],
  ];

  it.each(routes)('%j <-> %s', (route, hash) => {
    expect(routeHash(route)).toBe(hash);
    expect(parseRoute(hash)).toEqual(route);
    // What the address bar hands back (with or without the #) reads the same.
    expect(parseRoute(hash.slice(1))).toEqual(route);
  });

  it('a request without a tab leaves the choice to the page', () => {
    expect(parseRoute('#/r/local/abc')).toMatchObject({ tab: null, job: null, try: null, line: null, find: null });
  });

  it('ignores what is not a tab, a line, a try or a stream; an empty job or find is none', () => {
    expect(parseRoute('#/r/local/abc/logs?try=0&line=-3&stream=error')).toEqual(
      requestRoute('local', 'abc', { tab: 'logs' }),
    );
    expect(parseRoute('#/r/local/abc/graph?try=2.5&line=x')).toEqual(requestRoute('local', 'abc'));
    expect(parseRoute('#/r/local/abc/logs?job=&find=')).toEqual(requestRoute('local', 'abc', { tab: 'logs' }));
  });

  it('a request run again carries its args to the start form', () => {
    const route = { name: 'start' as const, type: 'deploy', args: { app: 'api', hosts: ['a', 'b'] } };
    expect(parseRoute(routeHash(route))).toEqual(route);
    expect(parseRoute('#/start/deploy?args=%5B1%5D')).toEqual({ name: 'start', type: 'deploy' });
  });

  it('keeps a ? typed inside a search or a find', () => {
    expect(parseRoute('#/search?q=why?')).toEqual({ name: 'search', q: 'why?' });
    expect(parseRoute('#/r/local/abc/logs?find=who?')).toEqual(
      requestRoute('local', 'abc', { tab: 'logs', find: 'who?' }),
    );
  });

  it.each(['', '#', '#/', '#/requests', '#/nowhere', '#/r', '#/r/local', '#/r//abc', '#/r/%E0%A4%A/abc', '#/start/%'])(
    '%j opens the request list',
    (hash) => {
      expect(parseRoute(hash)).toEqual({ name: 'requests' });
    },
  );
});
