// LogIndex built slice by slice gives the same lines and matches as built from the whole text,
// whatever falls on the boundaries between slices.

import { describe, expect, it } from 'vitest';
import { LogIndex, firstErrorLine } from './log-index';

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

  it('reads lines across slice boundaries, CRLF split between slices included, and keeps growing after a read', () => {
    const text = 'one\r\ntwo\r\nthree is longer\r\n\r\nfive\r\n';
    for (let size = 1; size <= 8; size++) {
      const idx = new LogIndex();
      for (let o = 0; o < text.length; o += size) {
        idx.append(text.slice(o, o + size));
        if (o % (3 * size) === 0) expect(idx.text).toBe(text.slice(0, o + size)); // a read joins the slices
      }
      expect(idx.length).toBe(text.length);
      expect(Array.from({ length: idx.lineCount }, (_, n) => idx.line(n))).toEqual([
        'one',
        'two',
        'three is longer',
        '',
        'five',
      ]);
      expect(idx.search('LONGER', false)).toEqual([{ line: 2, start: 9, end: 15 }]);
    }
  });

  it('folds case piece by piece: a piece whose lower case has another length is searched as it is', () => {
    const idx = new LogIndex();
    idx.append('a line with İstanbul\n'); // 'İ'.toLowerCase() is two characters
    idx.append('and ISTANBUL again\n');
    idx.finish();
    expect(idx.search('Istanbul', false)).toEqual([{ line: 1, start: 4, end: 12 }]);
    expect(idx.search('stanbul', false)).toEqual([
      { line: 0, start: 13, end: 20 },
      { line: 1, start: 5, end: 12 },
    ]);
  });

  it('anchors regexes at line ends in every piece and finds the first error line', () => {
    const idx = new LogIndex();
    for (const chunk of ['ok 1\nok 2\nwarn', 'ing 3\nFatal: disk', ' full\nok 5\nerror 6']) idx.append(chunk);
    expect(firstErrorLine(idx)).toBe(3);
    expect(idx.search('^ok \\d$', true)?.map((m) => m.line)).toEqual([0, 1, 4]);
    expect(idx.search('^error \\d$', true)?.map((m) => m.line)).toEqual([5]); // the unfinished last line
    idx.finish();
    expect(idx.search('disk full', false)).toEqual([{ line: 3, start: 7, end: 16 }]);
    expect(idx.text).toBe('ok 1\nok 2\nwarning 3\nFatal: disk full\nok 5\nerror 6');
  });
});
