// Which rows of a list of fixed-height rows a scroll position shows, and where: the arithmetic of
// the console's virtual lists (VirtualRows.svelte). Row i starts at i * rowHeight in the list.
// A list taller than maxHeight (a log of millions of lines; browsers cap an element's height,
// Chromium at about 33.5 M px) scrolls a spacer maxHeight tall, whose scroll range maps
// proportionally onto the list's (to whole pixels): the first and last rows stay reachable, and
// the rows still move smoothly within a screen.

/** Tallest spacer a list scrolls (px), well under any browser's limit. */
export const MAX_SCROLL_PX = 8_000_000;

/** The rows in view at one scroll position. */
export interface RowSpan {
  /** First row at least partly in view. */
  readonly first: number;
  /** Last row at least partly in view; first - 1 when none is. */
  readonly last: number;
  /** Where the view's top is in the list (px): row i is drawn at i * rowHeight - top. */
  readonly top: number;
  /** Most rows a view of this height can show at once (partly shown ones included). */
  readonly slots: number;
}

export class RowWindow {
  constructor(
    readonly rowHeight: number,
    /** Room after the last row (px), e.g. for a scrollbar along the bottom of the rows. */
    readonly padEnd = 0,
    readonly maxHeight = MAX_SCROLL_PX,
  ) {}

  /** The list's own height for `count` rows. */
  listHeight(count: number): number {
    return count * this.rowHeight + this.padEnd;
  }

  /** The height of the spacer that is scrolled. */
  scrollHeight(count: number): number {
    return Math.min(this.listHeight(count), this.maxHeight);
  }

  /** List px per scrolled px: 1 unless the list is taller than maxHeight. */
  scale(count: number, viewHeight: number): number {
    const list = this.listHeight(count);
    if (list <= this.maxHeight) return 1;
    return Math.max(0, list - viewHeight) / Math.max(1, this.maxHeight - viewHeight);
  }

  /** The rows in view at `scrollTop`. */
  span(scrollTop: number, count: number, viewHeight: number): RowSpan {
    const h = this.rowHeight;
    const slots = Math.ceil(viewHeight / h) + 1;
    const maxTop = Math.max(0, this.listHeight(count) - viewHeight);
    const scale = this.scale(count, viewHeight);
    const top = Math.min(maxTop, Math.max(0, scale === 1 ? scrollTop : Math.round(scrollTop * scale)));
    const first = Math.min(count, Math.floor(top / h));
    const last = Math.min(count - 1, Math.ceil((top + viewHeight) / h) - 1);
    return { first, last: Math.max(first - 1, last), top, slots };
  }

  /** The scroll position that puts the view's top at `top` in the list. */
  scrollTopFor(top: number, count: number, viewHeight: number): number {
    const scale = this.scale(count, viewHeight);
    return scale > 0 ? Math.max(0, top) / scale : 0;
  }

  /**
   * Where to scroll so that `row` is fully in view, or null if it already is: the least move
   * (`nearest`), or the row a third of the way down the view (`third`, for a jump that keeps
   * some context above it).
   */
  reveal(
    row: number,
    at: RowSpan,
    count: number,
    viewHeight: number,
    align: 'nearest' | 'third' = 'nearest',
  ): number | null {
    const h = this.rowHeight;
    const y = row * h;
    if (y >= at.top && y + h <= at.top + viewHeight) return null;
    let top: number;
    if (align === 'third') top = y - Math.floor(viewHeight / h / 3) * h;
    else top = y < at.top ? y : y + h - viewHeight;
    return this.scrollTopFor(top, count, viewHeight);
  }
}
