// How a chain is kept in the cache (and in export files): the console model's ChainView as JSON,
// whatever protocol its server speaks. Rows cached (and files exported) before v2 servers were
// known hold the 2017 wire JobChain instead (its `jobs` a map by id, not a list): they are read
// as such.

import { chainView, type ChainView } from '../../shared/console-model';
import { decodeJobChain, parseWire } from '../../shared/proto';

export function chainText(chain: ChainView): string {
  return JSON.stringify(chain);
}

/** A cached or exported chain; `path` names it in the error when it is neither shape. */
export function chainFromJson(value: unknown, path = 'chain'): ChainView {
  const v = value as Partial<ChainView> | null;
  if (v === null || typeof v !== 'object' || !Array.isArray(v.jobs)) return chainView(decodeJobChain(value, path));
  if (typeof v.requestId !== 'string' || typeof v.adjacencyList !== 'object' || v.adjacencyList === null) {
    throw new Error(`${path}: expected a job chain`);
  }
  return v as ChainView;
}

export function chainFromText(text: string): ChainView {
  return chainFromJson(parseWire(text));
}
