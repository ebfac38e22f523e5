// Hands the app-wide ConsoleState to components through Svelte's context.

import { getContext, setContext } from 'svelte';
import type { ConsoleState } from './console.svelte';

const KEY = Symbol('console');

export function provideConsole(state: ConsoleState): void {
  setContext(KEY, state);
}

export function useConsole(): ConsoleState {
  const state = getContext<ConsoleState | undefined>(KEY);
  if (!state) throw new Error('useConsole() outside the app');
  return state;
}
