// State presentation: every state has a name, a CSS colour variable and a glyph, so that a
// state never depends on colour alone (colour-blind operators, monochrome screenshots).

import { cssColours } from './css-colours';
import { elapsed, timeMs } from './time';
import { FINAL_STATES, RequestState, stateLabel } from '../../src-main/shared/console-model';

/** A state in the console's vocabulary (console-model.ts RequestState). */
type State = number;

export type StateKey =
  'pending' | 'running' | 'complete' | 'fail' | 'timeout' | 'stopped' | 'suspended' | 'unknown' | 'retrying';

export interface StateLook {
  readonly key: StateKey;
  readonly label: string;
  readonly glyph: string;
}

const LOOKS: Record<number, StateLook> = {
  [RequestState.PENDING]: { key: 'pending', label: 'PENDING', glyph: '○' },
  [RequestState.RUNNING]: { key: 'running', label: 'RUNNING', glyph: '▶' },
  [RequestState.COMPLETE]: { key: 'complete', label: 'COMPLETE', glyph: '✓' },
  [RequestState.FAIL]: { key: 'fail', label: 'FAIL', glyph: '✕' },
  [RequestState.TIMEOUT]: { key: 'timeout', label: 'TIMEOUT', glyph: '◔' },
  [RequestState.STOPPED]: { key: 'stopped', label: 'STOPPED', glyph: '■' },
  [RequestState.SUSPENDED]: { key: 'suspended', label: 'SUSPENDED', glyph: '‖' },
};

export const RETRYING: StateLook = { key: 'retrying', label: 'RETRYING', glyph: '↻' };

export function stateLook(state: State): StateLook {
  return LOOKS[state] ?? { key: 'unknown', label: stateLabel(state), glyph: '?' };
}

/** States an operator filters by, in lifecycle order. */
export const FILTER_STATES: readonly State[] = [
  RequestState.PENDING,
  RequestState.RUNNING,
  RequestState.SUSPENDED,
  RequestState.COMPLETE,
  RequestState.FAIL,
  RequestState.TIMEOUT,
  RequestState.STOPPED,
];

export function isFinished(state: State): boolean {
  return FINAL_STATES.has(state);
}

/**
 * How long a request has run, as shown: start to end, or to `now` while it runs; null when it
 * has not started, or is suspended (v2: handed back by its JR, not running and not finished,
 * since a moment no server tells).
 */
export function requestRunMs(
  r: { state: State; startedAt: string | null; finishedAt: string | null },
  now: number,
): number | null {
  if (r.state === RequestState.SUSPENDED) return null;
  return elapsed(timeMs(r.startedAt), timeMs(r.finishedAt), now);
}

/** A request whose duration grows on screen: started, not finished, not suspended. */
export function runsNow(state: State): boolean {
  return !isFinished(state) && state !== RequestState.SUSPENDED;
}

/** Resolved colours of the state variables (canvas drawing needs concrete values). */
export function stateColours(el: Element): Record<StateKey, string> {
  const keys: StateKey[] = [
    'pending',
    'running',
    'complete',
    'fail',
    'timeout',
    'stopped',
    'suspended',
    'unknown',
    'retrying',
  ];
  const resolved = cssColours(
    el,
    keys.map((k) => `--st-${k}`),
  );
  return Object.fromEntries(keys.map((k) => [k, resolved[`--st-${k}`]])) as Record<StateKey, string>;
}
