// "Did you mean" for unknown YAML keys: known aliases first, then the closest accepted key by
// edit distance (at most 2 edits, or 3 for long keys).

import { KEY_ALIASES } from './spec-schema';

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/** The accepted key `key` was probably meant to be, or null. */
export function suggestKey(key: string, accepted: readonly string[]): string | null {
  const alias = KEY_ALIASES[key];
  if (alias !== undefined && accepted.includes(alias)) return alias;
  let best: string | null = null;
  let bestDistance = key.length >= 8 ? 3 : 2;
  for (const candidate of accepted) {
    const d = distance(key, candidate);
    if (d <= bestDistance && (best === null || d < bestDistance)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `unknown key "retries" (did you mean "retry"?)` or with the accepted list when nothing is close. */
export function unknownKeyMessage(key: string, accepted: readonly string[]): string {
  const guess = suggestKey(key, accepted);
  return guess === null
    ? `unknown key "${key}" (accepted: ${accepted.join(', ')})`
    : `unknown key "${key}" (did you mean "${guess}"?)`;
}
