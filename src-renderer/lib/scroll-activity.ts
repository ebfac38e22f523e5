// Whether the operator is scrolling, for background work that should wait its turn. Reading a big
// log in slices competes with scrolling for the CPU (here and in console main, which reads the
// next slice): while something scrolls, the loader asks for its next slice once scrolling has
// paused or after MAX_WAIT_MS, so a long fling stays smooth and the log still keeps loading.

/** No scroll for this long: the operator has paused. */
export const QUIET_MS = 150;
/** Background work waits at most this long. */
export const MAX_WAIT_MS = 500;

let lastScroll = -Infinity;
let listening = false;

function listen(): void {
  if (listening || typeof window === 'undefined') return;
  listening = true;
  // Scroll events do not bubble; a capturing listener on the window sees every element's.
  window.addEventListener('scroll', () => (lastScroll = performance.now()), { capture: true, passive: true });
}

/** Resolves at once when nothing scrolled in the last QUIET_MS; otherwise once scrolling pauses
 * for that long, or after MAX_WAIT_MS at most. */
export function afterScrolling(): Promise<void> {
  listen();
  const start = performance.now();
  return new Promise((resolve) => {
    const check = () => {
      const now = performance.now();
      const quietFor = now - lastScroll;
      if (quietFor >= QUIET_MS || now - start >= MAX_WAIT_MS) resolve();
      else setTimeout(check, Math.min(QUIET_MS - quietFor, MAX_WAIT_MS - (now - start)));
    };
    check();
  });
}
