// Widths of one-line texts, measured on a canvas once per (font, text) and cached: lets a table
// cell clip (overflow: hidden + ellipsis) only when its text does not fit. A clipping cell is a
// paint layer of its own, which in the requests list cost more per frame than the rest of the
// row's layout; a list of 100,000 rows repeats a few types and users, so the cache stays small.

export class TextWidths {
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly cache = new Map<string, number>();

  /** `font`: a CSS font shorthand, e.g. `550 13px system-ui, sans-serif`. */
  constructor(readonly font: string) {
    this.ctx = document.createElement('canvas').getContext('2d');
    if (this.ctx) this.ctx.font = font;
  }

  /** Width of `text` in CSS px (Infinity when it cannot be measured: then it always clips). */
  width(text: string): number {
    let w = this.cache.get(text);
    if (w === undefined) {
      w = this.ctx ? this.ctx.measureText(text).width : Infinity;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(text, w);
    }
    return w;
  }
}
