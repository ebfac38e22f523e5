// When the window's renderer process dies (a crash, out of memory, killed), the page is reloaded,
// but at most MAX_RELOADS times within RELOAD_WINDOW_MS: a page that dies on every load would
// otherwise reload forever. After that the window shows an error page saying what happened, with
// a link to try again and where the log is. Decided here, under Node; window.ts wires it.

export const MAX_RELOADS = 3;
export const RELOAD_WINDOW_MS = 5 * 60_000;

export type RendererGoneAction = 'ignore' | 'reload' | 'give-up';

export class RendererRecovery {
  #deaths: number[] = [];

  constructor(
    private readonly maxReloads = MAX_RELOADS,
    private readonly windowMs = RELOAD_WINDOW_MS,
  ) {}

  /** The renderer ended with `reason` (Electron's render-process-gone reason) at `nowMs`. */
  gone(reason: string, nowMs: number): RendererGoneAction {
    if (reason === 'clean-exit') return 'ignore';
    this.#deaths = [...this.#deaths.filter((t) => nowMs - t < this.windowMs), nowMs];
    return this.#deaths.length > this.maxReloads ? 'give-up' : 'reload';
  }

  /** Deaths within the window, this one included. */
  get recentDeaths(): number {
    return this.#deaths.length;
  }
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The error page: no script, a link back to the console, and where the log is. */
export function rendererGonePage(reason: string, times: number, logFolder: string | null): string {
  const log = logFolder
    ? `<p>What happened is in the log, in <code>${escapeHtml(logFolder)}</code> (Help → Open log folder).</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Spin Cycle — the window stopped</title>
<meta name="color-scheme" content="light dark">
<style>
  body { font: 14px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1.5rem; }
  h1 { font-size: 18px; }
  code { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
  a { font-weight: 600; }
</style>
</head>
<body>
<h1>The console's page stopped ${times} times</h1>
<p>Its renderer process ended (<code>${escapeHtml(reason)}</code>) ${times} times within a few minutes, so it was not
reloaded again. The engine and your requests are not affected.</p>
${log}
<p><a href="index.html" data-testid="reload-console">Reload the console</a></p>
</body>
</html>
`;
}
