// How a chain is kept in the cache (and in export files): the console model's ChainView as JSON,
// whatever protocol its server speaks. Rows cached (and files exported) before v2 servers were
// known hold the 2017 wire JobChain instead (its `jobs` a map by id, not a list): they are read
// as such. What is read is checked field by field (an export file may say anything).

import { chainView, type ChainJob, type ChainView } from '../../shared/console-model';
import { WireError, decodeJobChain, parseWire, type JsonObject } from '../../shared/proto';

export function chainText(chain: ChainView): string {
  return JSON.stringify(chain);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function chainJob(v: unknown, at: string): ChainJob {
  if (!isObject(v)) throw new WireError(at, 'a job', v);
  const text = (key: string) => {
    if (typeof v[key] !== 'string') throw new WireError(`${at}.${key}`, 'text', v[key]);
    return v[key];
  };
  const count = (key: string) => {
    const n = v[key];
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new WireError(`${at}.${key}`, 'a count', n);
    return n;
  };
  if (v.name !== null && typeof v.name !== 'string') throw new WireError(`${at}.name`, 'text or null', v.name);
  if (v.args !== null && !isObject(v.args)) throw new WireError(`${at}.args`, 'an object or null', v.args);
  return {
    id: text('id'),
    name: v.name,
    type: text('type'),
    retry: count('retry'),
    retryWait: count('retryWait'),
    args: v.args as JsonObject | null,
  };
}

/** A cached or exported chain; `path` names it in the error when it is neither shape. */
export function chainFromJson(value: unknown, path = 'chain'): ChainView {
  if (!isObject(value) || !Array.isArray(value.jobs)) return chainView(decodeJobChain(value, path));
  if (typeof value.requestId !== 'string') throw new WireError(`${path}.requestId`, 'text', value.requestId);
  const adjacency = value.adjacencyList;
  if (!isObject(adjacency)) throw new WireError(`${path}.adjacencyList`, 'an object', adjacency);
  const adjacencyList: Record<string, string[]> = {};
  for (const [from, next] of Object.entries(adjacency)) {
    const at = `${path}.adjacencyList[${JSON.stringify(from)}]`;
    if (!Array.isArray(next) || next.some((id) => typeof id !== 'string'))
      throw new WireError(at, 'a list of job ids', next);
    Object.defineProperty(adjacencyList, from, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return {
    requestId: value.requestId,
    jobs: value.jobs.map((j: unknown, i) => chainJob(j, `${path}.jobs[${i}]`)),
    adjacencyList,
  };
}

export function chainFromText(text: string): ChainView {
  return chainFromJson(parseWire(text));
}
