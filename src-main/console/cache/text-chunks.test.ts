// Splitting, measuring and slicing log text by characters (code points), surrogate pairs kept whole.

import { describe, expect, it } from 'vitest';
import { charCount, sliceChars, splitText } from './text-chunks';

describe('text chunks', () => {
  it('counts an emoji as one character', () => {
    expect(charCount('')).toBe(0);
    expect(charCount('abc')).toBe(3);
    expect(charCount('a🦜b😀')).toBe(4);
  });

  it('slices by characters, clamping to the text', () => {
    const t = 'a🦜b😀c';
    expect(sliceChars(t, 1, 3)).toBe('🦜b');
    expect(sliceChars(t, -2, 2)).toBe('a🦜');
    expect(sliceChars(t, 3, 99)).toBe('😀c');
    expect(sliceChars(t, 5, 9)).toBe('');
    expect(sliceChars(t, 2, 1)).toBe('');
    expect(sliceChars('plain', 1, 3)).toBe('la');
  });

  it('splits into pieces that join back, never between the halves of an emoji', () => {
    const t = 'ab🦜cd😀😀e'.repeat(50);
    for (const size of [2, 3, 4, 7, 64, 1000]) {
      const pieces = splitText(t, size);
      expect(pieces.map((p) => p.text).join('')).toBe(t);
      let start = 0;
      for (const p of pieces) {
        expect(p.text.length).toBeLessThanOrEqual(size);
        expect(p.text.length).toBeGreaterThan(0);
        expect(p.start).toBe(start);
        expect(p.chars).toBe([...p.text].length);
        expect(p.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
        start += p.chars;
      }
      expect(start).toBe([...t].length);
    }
    expect(splitText('')).toEqual([]);
    expect(() => splitText('abc', 1)).toThrow(/at least 2/);
  });
});
