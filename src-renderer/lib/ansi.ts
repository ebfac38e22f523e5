// ANSI escape sequences -> styled segments, through anser with CSS classes (the page's CSP
// forbids inline styles), in the log viewer; everywhere else text is shown plain, its escapes
// removed (strip-ansi, as console main does). Only visible lines are converted, so cost follows
// the viewport.

import Anser from 'anser';
import removeAnsi from 'strip-ansi';

export interface AnsiSegment {
  readonly text: string;
  readonly className: string;
}

const ESC = '\u001b';

export function hasAnsi(line: string): boolean {
  return line.includes(ESC);
}

export function ansiSegments(line: string): AnsiSegment[] {
  if (!hasAnsi(line)) return [{ text: line, className: '' }];
  return Anser.ansiToJson(line, { use_classes: true, remove_empty: true }).map((e) => ({
    text: e.content,
    className: [e.fg ? `${e.fg}-fg` : '', e.bg ? `${e.bg}-bg` : '', ...(e.decorations ?? []).map((d) => `ansi-${d}`)]
      .filter(Boolean)
      .join(' '),
  }));
}

/** The text without escape sequences (plain text outside the log viewer). */
export function stripAnsi(text: string): string {
  return hasAnsi(text) ? removeAnsi(text) : text;
}
