// spincycle:// link parsing: the one accepted form, and a clear reason for everything else.

import { describe, expect, it } from 'vitest';
import { findDeepLinkArg, parseDeepLink } from './deep-link';

describe('parseDeepLink', () => {
  it('accepts spincycle://<context>/requests/<id>, with an optional trailing slash', () => {
    expect(parseDeepLink('spincycle://local/requests/b9uvdi8tk9kahl8ppvbg')).toEqual({
      ok: true,
      context: 'local',
      requestId: 'b9uvdi8tk9kahl8ppvbg',
    });
    expect(parseDeepLink('SpinCycle://prod.eu-1/requests/abc_1-2/')).toEqual({
      ok: true,
      context: 'prod.eu-1',
      requestId: 'abc_1-2',
    });
    expect(parseDeepLink('spincycle://my%2Dctx/requests/id1')).toMatchObject({ ok: true, context: 'my-ctx' });
  });

  it.each([
    ['https://example.com/requests/1', /not a spincycle: link/],
    ['javascript:alert(1)', /not a spincycle: link/],
    ['spincycle:local/requests/1', /unsupported spincycle: link/],
    ['spincycle://local/request/1', /unsupported spincycle: link/],
    ['spincycle://local/requests/1/logs', /unsupported spincycle: link/],
    ['spincycle://local/requests/', /invalid request id/],
    ['spincycle:///requests/1', /invalid context name/],
    ['spincycle://loc%20al/requests/1', /invalid context name/],
    ['spincycle://local/requests/a%2Fb', /invalid request id/],
    ['spincycle://local/requests/%E0%A4%A', /invalid request id/],
    ['spincycle://local/requests/1?x=1', /no query or fragment/],
    ['spincycle://local/requests/1#top', /no query or fragment/],
    [`spincycle://local/requests/${'a'.repeat(600)}`, /longer than/],
  ])('refuses %s', (raw, reason) => {
    const result = parseDeepLink(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('findDeepLinkArg', () => {
  it('finds the link among the arguments a second instance was started with', () => {
    expect(findDeepLinkArg(['/opt/app/spincycle', '--no-sandbox', 'spincycle://local/requests/x'])).toBe(
      'spincycle://local/requests/x',
    );
    expect(findDeepLinkArg(['/opt/app/spincycle', '.'])).toBeNull();
  });
});
