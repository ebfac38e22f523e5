import { describe, expect, it } from 'vitest';
import { CappedOutput, truncationMarker } from './capped-output';

describe('CappedOutput', () => {
  it('keeps everything under the limit', () => {
    const out = new CappedOutput(10);
    out.write(Buffer.from('hello '));
    out.write(Buffer.from('you'));
    expect(out.text()).toBe('hello you');
  });

  it('keeps the head and appends a marker with the dropped byte count', () => {
    const out = new CappedOutput(5);
    out.write(Buffer.from('abc'));
    out.write(Buffer.from('defgh'));
    out.write(Buffer.from('ijk'));
    expect(out.text()).toBe(`abcde${truncationMarker(6)}`);
    expect(out.text()).toContain('[spincycle: output truncated, 6 more bytes not kept]');
  });

  it('does not split a UTF-8 character at the cut', () => {
    const out = new CappedOutput(4);
    out.write(Buffer.from('ab€x')); // € is 3 bytes: a b [e2 82 ac] x
    expect(out.text()).toBe(`ab${truncationMarker(4)}`);
  });
});
