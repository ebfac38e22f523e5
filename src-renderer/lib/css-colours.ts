// Colours for canvas painting, read from the CSS palette. The palette's custom properties hold
// `light-dark(...)` expressions (styles.css), which getPropertyValue returns unresolved and a
// canvas cannot parse; a probe element's computed `color` gives the resolved rgb() instead.

/** The resolved colour of each custom property (`--name`), as seen from `el`; `fallback` if unset. */
export function cssColours<K extends string>(el: Element, names: readonly K[], fallback = '#888'): Record<K, string> {
  const probe = document.createElement('span');
  probe.style.display = 'none';
  el.appendChild(probe);
  const out = {} as Record<K, string>;
  try {
    for (const name of names) {
      probe.style.color = '';
      probe.style.color = `var(${name}, ${fallback})`;
      out[name] = getComputedStyle(probe).color || fallback;
    }
  } finally {
    probe.remove();
  }
  return out;
}
