import { describe, expect, it } from 'vitest';
import { CappedOutput, readerText, truncationMarker } from './capped-output';

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

describe('CappedOutput: what is kept is valid UTF-8, readable from any offset', () => {
  it('keeps a character split across chunks whole, and reads it back only once complete', () => {
    const out = new CappedOutput(100);
    const euro = Buffer.from('€'); // e2 82 ac
    out.write(Buffer.concat([Buffer.from('a'), euro.subarray(0, 2)]));
    expect(out.size).toBe(1);
    expect(out.read(0, 100).toString()).toBe('a');
    out.write(Buffer.concat([euro.subarray(2), Buffer.from('b')]));
    expect(out.read(0, 100).toString()).toBe('a€b');
    expect(out.text()).toBe('a€b');
  });

  it('keeps invalid bytes as U+FFFD, so offsets into what was read are offsets into the text', () => {
    const out = new CappedOutput(100);
    out.write(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    const text = out.text();
    expect(text).toBe('a\uFFFDb\n');
    expect(out.read(0, 100)).toEqual(Buffer.from(text));
  });

  it('a stream that ends inside a character ends with U+FFFD', () => {
    const out = new CappedOutput(100);
    out.write(Buffer.from([0x61, 0xe2, 0x82]));
    expect(out.text()).toBe('a\uFFFD');
  });

  it('reads any range across chunks, never ending inside a character', () => {
    const out = new CappedOutput(1000);
    const words = ['alpha ', 'βeta ', 'gamma ', '€uro ', 'delta'];
    for (const w of words) out.write(Buffer.from(w));
    const all = Buffer.from(words.join(''));
    for (let from = 0; from < all.length; from++) {
      for (const max of [1, 2, 3, 4, 7, 100]) {
        const got = out.read(from, max);
        expect(all.subarray(from, from + got.length).equals(got)).toBe(true);
        expect(got.length).toBeLessThanOrEqual(max);
      }
    }
    // Reading slice after slice from each `next` gives the whole text.
    let at = 0;
    let text = '';
    for (let n = 0; n < 100 && at < out.size; n++) {
      const got = out.read(at, 4);
      text += got.toString();
      at += got.length;
    }
    expect(text).toBe(words.join(''));
  });

  it('at the cap, reads stop before a cut character; the text is what was read plus the marker', () => {
    const out = new CappedOutput(4);
    out.write(Buffer.from('ab€x'));
    const read = out.read(0, 100);
    expect(read.toString()).toBe('ab');
    expect(out.droppedBytes).toBe(2);
    expect(out.text()).toBe(`ab${truncationMarker(4)}`);
    expect(readerText(out)).toBe(out.text());
  });

  it('counts what comes after the cap without keeping it', () => {
    const out = new CappedOutput(3);
    out.write(Buffer.from('abcdef'));
    out.write(Buffer.from('ghi'));
    expect(out.size).toBe(3);
    expect(out.droppedBytes).toBe(6);
    expect(out.text()).toBe(`abc${truncationMarker(6)}`);
  });
});
