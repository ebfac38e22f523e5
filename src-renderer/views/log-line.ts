// One line element of the log viewer (LogViewer), built once and rewritten in place by hand, as
// the requests list's rows are (request-row.ts): a scroll hands each screen slot another line and
// only what differs is written, a plain line's text through the one text node it keeps. A keyed
// Svelte {#each} would do the same through its effects, at a higher cost per frame when a fast
// scroll makes every line on screen new each frame (the log's scroll figures: docs/benchmarks.md).
// The markup and test ids are the viewer's; its CSS lives in LogViewer.svelte (:global rules
// under .window, as these elements are not Svelte's); marks and ANSI colours are global styles.

import type { LogMatch } from '../lib/log-index';
import { ansiSegments, hasAnsi } from '../lib/ansi';

/** What a slot shows: line `n` (0-based) with its text and search matches. */
export interface LineView {
  readonly n: number;
  readonly text: string;
  /** This line's matches, in order (none: an empty array). */
  readonly marks: readonly LogMatch[];
  /** The match the search is on, wherever it is. */
  readonly current: LogMatch | undefined;
  /** Whether this is the line "First error" went to. */
  readonly error: boolean;
  /** Whether this is the picked line (the address's `line`). */
  readonly picked: boolean;
}

export class LogLine {
  readonly el: HTMLDivElement;
  private readonly numberText: Text;
  private readonly body: HTMLSpanElement;
  /** The body's only child while the line is plain text (no marks, no escapes). */
  private readonly plain: Text;
  private shown: LineView | null = null;
  private hidden = false;

  constructor() {
    this.el = document.createElement('div');
    this.el.className = 'line';
    this.el.dataset.testid = 'log-line';
    const gutter = this.el.appendChild(document.createElement('span'));
    gutter.className = 'gutter num';
    this.numberText = gutter.appendChild(document.createTextNode(''));
    this.body = this.el.appendChild(document.createElement('span'));
    this.body.className = 'text';
    this.plain = this.body.appendChild(document.createTextNode(''));
  }

  /** Shows `line`, writing only what differs from what the element shows now. */
  show(line: LineView): void {
    const was = this.shown;
    if (this.hidden) {
      this.el.style.display = '';
      this.hidden = false;
    }
    if (was?.n !== line.n) {
      this.numberText.data = String(line.n + 1);
      this.el.dataset.line = String(line.n + 1);
    }
    if (was?.error !== line.error) this.el.classList.toggle('error-line', line.error);
    if (was?.picked !== line.picked) this.el.classList.toggle('picked-line', line.picked);
    const sameBody =
      was !== null &&
      was.text === line.text &&
      sameMarks(was.marks, line.marks) &&
      (line.marks.length === 0 || was.current === line.current);
    if (!sameBody) this.write(line);
    this.shown = line;
  }

  /** Takes the element off screen (a slot past the last line). */
  hide(): void {
    if (this.hidden) return;
    this.el.style.display = 'none';
    this.hidden = true;
  }

  private write({ text, marks, current }: LineView): void {
    if (marks.length === 0 && !hasAnsi(text)) {
      if (this.body.firstChild !== this.plain || this.body.childNodes.length !== 1)
        this.body.replaceChildren(this.plain);
      this.plain.data = text;
      return;
    }
    const parts: Node[] = [];
    if (marks.length > 0) {
      // Matches were found in the raw line: marked lines show it as it is, escapes and all.
      let pos = 0;
      for (const m of marks) {
        if (m.start > pos) parts.push(document.createTextNode(text.slice(pos, m.start)));
        const mark = document.createElement('mark');
        if (m === current) mark.className = 'current';
        mark.textContent = text.slice(m.start, m.end);
        parts.push(mark);
        pos = m.end;
      }
      if (pos < text.length) parts.push(document.createTextNode(text.slice(pos)));
    } else {
      for (const seg of ansiSegments(text)) {
        const span = document.createElement('span');
        if (seg.className) span.className = seg.className;
        span.textContent = seg.text;
        parts.push(span);
      }
    }
    this.body.replaceChildren(...parts);
  }
}

function sameMarks(a: readonly LogMatch[], b: readonly LogMatch[]): boolean {
  return a.length === b.length && a.every((m, i) => m === b[i]);
}
