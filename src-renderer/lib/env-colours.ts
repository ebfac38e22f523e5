// The colour of a context's environment: the one the operator picked, else the conventional one
// for its label (production red, staging amber, development green), else a neutral grey. Shown
// on the switcher, in the contexts dialog and wherever a context is named.

import type { Context } from '../../src-main/shared/console-model';

export const ENV_COLOURS = {
  production: '#c62828',
  staging: '#e09100',
  development: '#2e7d32',
  neutral: '#5f6b7a',
} as const;

export type EnvKind = keyof typeof ENV_COLOURS;

// Staging first: "preprod" and "pre-production" are staging, not production.
const KINDS: Array<[EnvKind, RegExp]> = [
  ['staging', /stag|stg|pre-?prod|uat/i],
  ['production', /prod|prd|live/i],
  ['development', /dev|test|qa|local|sandbox|embedded/i],
];

/** Which kind of environment a label names ("neutral" when none). */
export function envKind(label: string | null): EnvKind {
  if (!label) return 'neutral';
  return KINDS.find(([, re]) => re.test(label))?.[0] ?? 'neutral';
}

/** The colour shown for a context: its own, else the conventional one for its label. */
export function envColour(ctx: Pick<Context, 'envLabel' | 'envColor'> | null): string {
  return ctx?.envColor ?? ENV_COLOURS[envKind(ctx?.envLabel ?? null)];
}

/** White or near-black, whichever reads better on `hex` (#rgb or #rrggbb; white otherwise). */
export function textOn(hex: string): string {
  const m = /^#([0-9a-f]{6}|[0-9a-f]{3})$/i.exec(hex);
  if (!m?.[1]) return '#fff';
  const digits = m[1].length === 3 ? [...m[1]].map((d) => d + d) : (m[1].match(/../g) ?? []);
  const [r = 0, g = 0, b = 0] = digits.map((d) => {
    const c = parseInt(d, 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with white is 1.05 / (L + 0.05), with #1b1f24 (L ≈ 0.013) (L + 0.05) / 0.063.
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.063 ? '#fff' : '#1b1f24';
}
