// Request routes: a request without a tab, and log permalinks (job, try, stream, line, find).

import { describe, expect, it } from 'vitest';
import { parseRoute, requestRoute, routeHash } from './routes';

describe('request routes', () => {
  it('a request without a tab leaves the choice to the page', () => {
    expect(routeHash(requestRoute('local', 'abc'))).toBe('#/r/local/abc');
    expect(parseRoute('#/r/local/abc')).toEqual(requestRoute('local', 'abc'));
  });

  it('a log line permalink survives the round trip', () => {
    const route = requestRoute('prod east', 'abc', {
      tab: 'logs',
      job: 'check-disk@3',
      try: 2,
      stream: 'stderr',
      line: 17,
      find: 'no room',
    });
    const hash = routeHash(route);
    expect(hash).toBe('#/r/prod%20east/abc/logs?job=check-disk%403&try=2&stream=stderr&line=17&find=no+room');
    expect(parseRoute(hash)).toEqual(route);
  });

  it('ignores what is not a line, a try or a stream', () => {
    expect(parseRoute('#/r/local/abc/logs?try=0&line=-3&stream=error')).toEqual(
      requestRoute('local', 'abc', { tab: 'logs' }),
    );
  });

  it('a request run again carries its args to the start form', () => {
    const route = { name: 'start' as const, type: 'deploy', args: { app: 'api', hosts: ['a', 'b'] } };
    expect(parseRoute(routeHash(route))).toEqual(route);
    expect(parseRoute('#/start/deploy?args=%5B1%5D')).toEqual({ name: 'start', type: 'deploy' });
  });
});
