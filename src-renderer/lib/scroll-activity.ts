// Whether the operator is scrolling, for background work that should wait its turn. Reading a big
// log in slices competes with scrolling for the CPU (here and in console main, which reads the
// next slice): while something scrolls, the loader asks for its next slice once scrolling has
// paused, or at once when the view needs it (near the end of what has been read), or after
// MAX_WAIT_MS at most, so a long fling stays smooth and the log still keeps loading.

/** No scroll for this long: the operator has paused. */
export const QUIET_MS = 150;
/** Background work waits at most this long. */
export const MAX_WAIT_MS = 2000;
/** How often a wait looks at `needed` while scrolling goes on. */
const CHECK_MS = 50;

let lastScroll = -Infinity;
let listening = false;

function listen(): void {
  if (listening || typeof window === 'undefined') return;
  listening = true;
  // Scroll events do not bubble; a capturing listener on the window sees every element's.
  window.addEventListener('scroll', () => (lastScroll = performance.now()), { capture: true, passive: true });
}

/** Resolves at once when nothing scrolled in the last QUIET_MS; otherwise once scrolling pauses
 * for that long, or `needed()` says the work cannot wait, or after MAX_WAIT_MS at most. */
export function afterScrolling(needed: () => boolean = () => false): Promise<void> {
  listen();
  const start = performance.now();
  return new Promise((resolve) => {
    const check = () => {
      const now = performance.now();
      const quietFor = now - lastScroll;
      if (quietFor >= QUIET_MS || now - start >= MAX_WAIT_MS || needed()) resolve();
      else setTimeout(check, Math.min(QUIET_MS - quietFor, CHECK_MS));
    };
    check();
  });
}
