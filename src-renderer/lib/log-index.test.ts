// LogIndex built slice by slice gives the same lines and matches as built from the whole text.

import { describe, expect, it } from 'vitest';
import { LogIndex } from './log-index';

describe('LogIndex.append', () => {
  it('indexes a text read in slices like the whole text, lines split across slices included', () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i} Needle${i % 7}`).join('\n') + '\n';
    const whole = new LogIndex(text);
    const sliced = new LogIndex();
    for (let o = 0; o < text.length; o += 333) sliced.append(text.slice(o, o + 333));
    expect(sliced.lineCount).toBe(500);
    expect(sliced.lineCount).toBe(whole.lineCount);
    for (const n of [0, 1, 250, 499]) expect(sliced.line(n)).toBe(whole.line(n));
    expect(sliced.search('needle3', false)).toEqual(whole.search('needle3', false));
    expect(sliced.search('Needle[56]', true)?.length).toBe(whole.search('Needle[56]', true)?.length);
  });

  it('counts a partial last line while the text is still arriving', () => {
    const idx = new LogIndex();
    expect(idx.lineCount).toBe(0);
    idx.append('a\nb');
    expect([idx.lineCount, idx.line(1)]).toEqual([2, 'b']);
    idx.append('c\n');
    expect([idx.lineCount, idx.line(1)]).toEqual([2, 'bc']);
  });
});
