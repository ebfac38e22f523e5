// The arithmetic of the virtual lists: which rows a scroll position shows and where, a list
// taller than the browser lets an element be, and scrolling a row into view.

import { describe, expect, it } from 'vitest';
import { MAX_SCROLL_PX, RowWindow } from './row-window';

describe('RowWindow', () => {
  const rows = new RowWindow(20);

  it('shows the rows a scroll position covers, partly shown ones included', () => {
    expect(rows.span(0, 1000, 100)).toEqual({ first: 0, last: 4, top: 0, slots: 6 });
    // 10 px into row 5: rows 5 to 10 (10 partly) are in view
    expect(rows.span(110, 1000, 100)).toEqual({ first: 5, last: 10, top: 110, slots: 6 });
    expect(rows.scrollHeight(1000)).toBe(20_000);
  });

  it('stops at the last row, and shows none of an empty list', () => {
    expect(rows.span(19_900, 1000, 100)).toMatchObject({ first: 995, last: 999, top: 19_900 });
    // a scroll position past the end (the list just got shorter) shows its end
    expect(rows.span(50_000, 1000, 100)).toMatchObject({ first: 995, last: 999, top: 19_900 });
    expect(rows.span(0, 3, 100)).toMatchObject({ first: 0, last: 2 });
    expect(rows.span(0, 0, 100)).toMatchObject({ first: 0, last: -1 });
  });

  it('keeps room after the last row', () => {
    const padded = new RowWindow(20, 20);
    expect(padded.scrollHeight(10)).toBe(220);
    expect(padded.span(120, 10, 100)).toMatchObject({ first: 6, last: 9, top: 120 });
  });

  it('maps the scroll range of a capped spacer onto a list taller than the cap', () => {
    const count = 2_000_000; // 40 M px of rows
    const view = 1000;
    expect(rows.scrollHeight(count)).toBe(MAX_SCROLL_PX);
    expect(rows.span(0, count, view)).toMatchObject({ first: 0, top: 0 });
    // the end of the spacer shows the last rows
    const end = rows.span(MAX_SCROLL_PX - view, count, view);
    expect(end).toMatchObject({ last: count - 1, top: count * 20 - view });
    // half way down the spacer is half way down the list
    const half = rows.span((MAX_SCROLL_PX - view) / 2, count, view);
    expect(half.first).toBe(Math.floor((count * 20 - view) / 2 / 20));
    // and a scroll position for a place in the list leads back to it
    const top = 12_345_678;
    expect(rows.span(rows.scrollTopFor(top, count, view), count, view).top).toBe(top);
  });

  it('reveals a row with the least move, a third of the way down, or not at all', () => {
    const at = rows.span(200, 1000, 100); // rows 10 to 14 fully in view
    expect(rows.reveal(12, at, 1000, 100)).toBeNull();
    expect(rows.reveal(14, at, 1000, 100)).toBeNull();
    expect(rows.reveal(15, at, 1000, 100)).toBe(220); // its bottom at the view's bottom
    expect(rows.reveal(3, at, 1000, 100)).toBe(60); // its top at the view's top
    expect(rows.reveal(3, at, 1000, 100, 'third')).toBe(40); // one row (of five) above it
    expect(rows.reveal(12, at, 1000, 100, 'third')).toBeNull();
    // in a capped list too
    const count = 2_000_000;
    const far = rows.reveal(1_500_000, rows.span(0, count, 1000), count, 1000, 'third');
    expect(far).not.toBeNull();
    const shown = rows.span(far ?? 0, count, 1000);
    expect(shown.first).toBeLessThanOrEqual(1_500_000);
    expect(shown.last).toBeGreaterThanOrEqual(1_500_000);
  });
});
