// How job data flows from parents to a child (a defect fix: the original gave a fan-in job only
// the data of the parent that finished last). A child starts with the merge of ALL its
// parents' final data, parents taken in job-id order, a later parent's key overwriting an
// earlier one's. The copy is shallow (as the original's per-key copy): nested values are shared.

import type { JsonObject, JsonValue } from '../../shared/proto';

function put(out: JsonObject, key: string, value: JsonValue): void {
  // `__proto__` from JSON is an own key; a plain assignment would set the prototype instead.
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * The data a child starts with: `parents` are the child's parent indices in job-id order,
 * `dataOf[i]` the final data of job i.
 */
export function mergeParentData(parents: readonly number[], dataOf: ReadonlyArray<JsonObject | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const p of parents) {
    const data = dataOf[p];
    if (!data) continue;
    for (const key of Object.keys(data)) put(out, key, data[key] as JsonValue);
  }
  return out;
}
