// The words for what a context's server speaks.

import { describe, expect, it } from 'vitest';
import { serverLabel, serverTag } from './server-label';

describe('server label', () => {
  it('names the generation and the version a server told', () => {
    expect(serverLabel({ generation: 'v2', version: '2.1.1', canFind: true })).toBe('v2 · 2.1.1');
    expect(serverTag({ generation: 'v2', version: '2.1.1', canFind: true })).toBe('v2.1.1');
    expect(serverLabel({ generation: '2017', version: null, canFind: true })).toBe('2017 protocol · lists requests');
    expect(serverLabel({ generation: '2017', version: null, canFind: false })).toBe('2017 protocol (original)');
    expect(serverTag({ generation: '2017', version: null, canFind: false })).toBe('2017');
    expect(serverLabel(null)).toBeNull();
  });
});
