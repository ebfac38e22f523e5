// State presentation: every state has a name, a CSS colour variable and a glyph, so that a
// state never depends on colour alone (colour-blind operators, monochrome screenshots).

import { cssColours } from './css-colours';
import {
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_PENDING,
  STATE_RUNNING,
  STATE_STOPPED,
  STATE_TIMEOUT,
  stateName,
  type State,
} from '../../src-main/shared/proto';

export type StateKey = 'pending' | 'running' | 'complete' | 'fail' | 'timeout' | 'stopped' | 'unknown' | 'retrying';

export interface StateLook {
  readonly key: StateKey;
  readonly label: string;
  readonly glyph: string;
}

const LOOKS: Record<number, StateLook> = {
  [STATE_PENDING]: { key: 'pending', label: 'PENDING', glyph: '○' },
  [STATE_RUNNING]: { key: 'running', label: 'RUNNING', glyph: '▶' },
  [STATE_COMPLETE]: { key: 'complete', label: 'COMPLETE', glyph: '✓' },
  [STATE_FAIL]: { key: 'fail', label: 'FAIL', glyph: '✕' },
  [STATE_TIMEOUT]: { key: 'timeout', label: 'TIMEOUT', glyph: '◔' },
  [STATE_STOPPED]: { key: 'stopped', label: 'STOPPED', glyph: '■' },
};

export const RETRYING: StateLook = { key: 'retrying', label: 'RETRYING', glyph: '↻' };

export function stateLook(state: State): StateLook {
  return LOOKS[state] ?? { key: 'unknown', label: stateName(state), glyph: '?' };
}

/** States an operator filters by, in lifecycle order. */
export const FILTER_STATES: readonly State[] = [
  STATE_PENDING,
  STATE_RUNNING,
  STATE_COMPLETE,
  STATE_FAIL,
  STATE_TIMEOUT,
  STATE_STOPPED,
];

export function isFinished(state: State): boolean {
  return state === STATE_COMPLETE || state === STATE_FAIL || state === STATE_TIMEOUT || state === STATE_STOPPED;
}

/** Resolved colours of the state variables (canvas drawing needs concrete values). */
export function stateColours(el: Element): Record<StateKey, string> {
  const keys: StateKey[] = ['pending', 'running', 'complete', 'fail', 'timeout', 'stopped', 'unknown', 'retrying'];
  const resolved = cssColours(
    el,
    keys.map((k) => `--st-${k}`),
  );
  return Object.fromEntries(keys.map((k) => [k, resolved[`--st-${k}`]])) as Record<StateKey, string>;
}
