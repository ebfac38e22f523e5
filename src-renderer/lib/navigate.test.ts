// The renderer's answer to main's `navigate` event: which route it opens, and that it follows
// the events a transport delivers.

import { describe, expect, it } from 'vitest';
import type { ContractEvents, EventListener, EventName } from '../../src-main/shared/ipc';
import { followNavigate, navigateRoute } from './navigate';
import { parseRoute, requestRoute, type Route } from './routes';

describe('navigateRoute', () => {
  it("opens the request's page on its default tab", () => {
    expect(navigateRoute({ context: 'prod', requestId: 'b9uvdi8tk9kahl8ppvbg' }, parseRoute('#/requests'))).toEqual(
      requestRoute('prod', 'b9uvdi8tk9kahl8ppvbg'),
    );
    // Another request's page, or another view: go there.
    expect(navigateRoute({ context: 'local', requestId: 'r2' }, parseRoute('#/r/local/r1/logs'))).toMatchObject({
      id: 'r2',
    });
    expect(navigateRoute({ context: 'local', requestId: 'r1' }, parseRoute('#/r/prod/r1/logs'))).toMatchObject({
      context: 'local',
    });
  });

  it('stays on the request already shown, keeping its tab, job and try', () => {
    expect(
      navigateRoute({ context: 'local', requestId: 'r1' }, parseRoute('#/r/local/r1/logs?job=j&try=2')),
    ).toBeNull();
  });

  it.each([null, 'local/r1', {}, { context: 'local' }, { context: '', requestId: 'r1' }, { context: 1, requestId: 2 }])(
    'ignores a payload that names no request: %j',
    (payload) => {
      expect(navigateRoute(payload, parseRoute('#/requests'))).toBeNull();
    },
  );
});

describe('followNavigate', () => {
  it('routes on each navigate event until unsubscribed', () => {
    const listeners = new Map<EventName, Set<(p: unknown) => void>>();
    const api = {
      on<E extends EventName>(event: E, listener: EventListener<E>) {
        const set = listeners.get(event) ?? new Set();
        listeners.set(event, set);
        set.add(listener as (p: unknown) => void);
        return () => void set.delete(listener as (p: unknown) => void);
      },
    };
    const emit = <E extends EventName>(event: E, payload: ContractEvents[E]) =>
      listeners.get(event)?.forEach((l) => l(payload));
    const router = {
      route: parseRoute('#/requests') as Route,
      go(route: Route) {
        this.route = route;
      },
    };
    const stop = followNavigate(api, router);
    emit('navigate', { context: 'local', requestId: 'r1' });
    expect(router.route).toMatchObject({ name: 'request', context: 'local', id: 'r1' });
    stop();
    emit('navigate', { context: 'local', requestId: 'r2' });
    expect(router.route).toMatchObject({ id: 'r1' });
  });
});
