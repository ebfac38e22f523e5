// Turns a request (type + args) into a job chain, following docs/protocol/request-specs.md
// §3-4: scopes, required/optional args, node args (renames and static values), sets, each
// fan-out with repeat_ wrappers, sub-sequences between start/end noops named after the node,
// deps.
// Differences from the original, on purpose: job ids `<name>@<n>` count from 1 per request in
// a fixed order (nodes in declaration order within each build pass), so the same spec and args
// always give the same chain; an empty `each` list or an unknown sub-sequence is a clear
// RequestError; args the request type does not declare are rejected; Job.args holds the job's
// creation args, plus `timeout` (ms) when the node sets one.

import {
  STATE_PENDING,
  STATE_UNKNOWN,
  type Job,
  type JobChain,
  type JsonObject,
  type JsonValue,
} from '../../shared/proto';
import { clip } from '../../shared/clip';
import type { JobFactory } from '../jobs/job';
import { RequestError } from './errors';
import type { NodeArg, NodeSpec, SequenceSpec, SpecSet } from './spec-schema';

/** Longest piece of the request (a type, an arg name) echoed in an error, and most arg names listed. */
const MAX_ECHO = 100;
const MAX_NAMED = 20;

/** The key of Job.args carrying a node's `timeout` in milliseconds (read by the JR). */
export const TIMEOUT_ARG = 'timeout';

interface Component {
  first: string;
  last: string;
}

interface JobOptions {
  /** The type as named in error messages (`noop-job` for start/end nodes, like the original). */
  label: string;
  retry: number;
  retryWait: number;
  timeout: number | null;
}

const NOOP_OPTIONS: JobOptions = { label: 'noop-job', retry: 0, retryWait: 0, timeout: null };

const has = (scope: JsonObject, key: string): boolean => Object.hasOwn(scope, key);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Go's reflect kind of a decoded JSON value, as the original's `each` error names it. */
function goKind(v: JsonValue | undefined): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'map';
}

/** Nodes some sibling depends on, per sequence (computed once: sub-sequences repeat a lot). */
const dependedOnCache = new WeakMap<SequenceSpec, Set<string>>();
function dependedOn(seq: SequenceSpec): Set<string> {
  let set = dependedOnCache.get(seq);
  if (!set) {
    set = new Set(seq.nodes.flatMap((n) => n.deps));
    dependedOnCache.set(seq, set);
  }
  return set;
}

class ChainBuilder {
  private n = 0;
  readonly jobs: Record<string, Job> = {};
  readonly adjacency: Record<string, string[]> = {};

  constructor(
    private readonly specs: SpecSet,
    private readonly factory: JobFactory,
  ) {}

  private edge(from: string, to: string): void {
    const list = this.adjacency[from];
    if (list) list.push(to);
    else this.adjacency[from] = [to];
  }

  /** The node scope: `{expected: scope[given]}` and static values. */
  private remap(args: readonly NodeArg[], scope: JsonObject, type: string): JsonObject {
    const out: JsonObject = {};
    for (const a of args) {
      if ('value' in a) {
        out[a.expected] = a.value !== null && typeof a.value === 'object' ? structuredClone(a.value) : a.value;
      } else if (has(scope, a.given)) {
        out[a.expected] = scope[a.given] as JsonValue;
      } else {
        throw new RequestError(`cannot create job ${type}: missing ${a.given} from job args`);
      }
    }
    return out;
  }

  private async job(type: string, base: string, scope: JsonObject, opts: JobOptions): Promise<string> {
    const id = `${base}@${++this.n}`;
    let job;
    try {
      job = this.factory.make(type, id);
    } catch (err) {
      throw new RequestError(`Error making '${opts.label} ${id}' job: ${message(err)}`);
    }
    try {
      const pending = job.create(scope);
      if (pending !== undefined) await pending;
    } catch (err) {
      throw new RequestError(`Error creating '${opts.label} ${id}' job: ${message(err)}`);
    }
    let bytes: Uint8Array | null;
    try {
      bytes = job.serialize();
    } catch (err) {
      throw new RequestError(`Error serializing '${opts.label} ${id}' job: ${message(err)}`);
    }
    const args: JsonObject = { ...scope };
    delete args[TIMEOUT_ARG]; // reserved for the node's timeout (so the JR never misreads a job's own key)
    if (opts.timeout !== null) args[TIMEOUT_ARG] = opts.timeout;
    this.jobs[id] = {
      id,
      type,
      bytes,
      state: STATE_UNKNOWN,
      args,
      data: null,
      retry: opts.retry,
      retryWait: opts.retryWait,
    };
    return id;
  }

  private noop(base: string, scope: JsonObject): Promise<string> {
    const noop = this.specs.noop;
    if (!noop) throw new RequestError('no noop-node defined in the request specs');
    return this.job(noop.type, base, this.remap(noop.args, scope, noop.type), NOOP_OPTIONS);
  }

  /** A node is buildable once its each list and every `given` are in scope
   * (docs/protocol/request-specs.md §4, step 3). */
  private buildable(node: NodeSpec, scope: JsonObject): boolean {
    if (node.each && !has(scope, node.each.list)) return false;
    for (const a of node.args) {
      if (!('given' in a) || (node.each && a.expected === node.each.item)) continue;
      if (!has(scope, a.given)) return false;
    }
    return true;
  }

  private async node(label: string, node: NodeSpec, scope: JsonObject): Promise<Component> {
    let items: JsonValue[] | null = null;
    if (node.each) {
      const list = scope[node.each.list];
      if (list === null) {
        throw new RequestError(`each:${node.each.text}: arg ${node.each.list} is null, expected a slice`);
      }
      if (!Array.isArray(list)) {
        throw new RequestError(`each:${node.each.text}: arg ${node.each.list} is a ${goKind(list)}, expected a slice`);
      }
      if (list.length === 0) {
        throw new RequestError(
          `sequence ${label}, node ${node.name}: each:${node.each.text}: arg ${node.each.list} is an empty list, expected at least one item`,
        );
      }
      items = list;
    }
    const parts: Component[] = [];
    const count = items ? items.length : 1;
    for (let i = 0; i < count; i++) {
      const nodeScope = this.remap(node.args, scope, node.type);
      if (items && node.each) nodeScope[node.each.item] = items[i] as JsonValue;
      if (node.category === 'job') {
        const id = await this.job(node.type, node.name, nodeScope, {
          label: node.type,
          retry: node.retry,
          retryWait: node.retryWait,
          timeout: node.timeout,
        });
        parts.push({ first: id, last: id });
      } else {
        const child = this.specs.sequences.get(node.type);
        if (!child) {
          throw new RequestError(`could not find sequence ${node.type} (node ${node.name} of sequence ${label})`);
        }
        parts.push(await this.sequence(node.name, child, nodeScope));
      }
      for (const key of node.sets) {
        if (!has(nodeScope, key)) throw new RequestError(`expected ${node.type} to set ${key} in jobargs`);
        scope[key] = nodeScope[key] as JsonValue;
      }
    }
    if (parts.length === 1) return parts[0] as Component;
    const start = await this.noop(`repeat_${node.name}_start`, scope);
    const end = await this.noop(`repeat_${node.name}_end`, scope);
    for (const p of parts) {
      this.edge(start, p.first);
      this.edge(p.last, end);
    }
    return { first: start, last: end };
  }

  /** Builds `seq` into the chain; `scope` becomes its scope (defaults and sets land in it). */
  async sequence(label: string, seq: SequenceSpec, scope: JsonObject): Promise<Component> {
    for (const arg of seq.required) {
      if (!has(scope, arg.name)) throw new RequestError(`sequence ${label} missing arg ${arg.name}`);
    }
    for (const arg of seq.optional) if (!has(scope, arg.name)) scope[arg.name] = arg.default;

    const start = await this.noop(`sequence_${label}_start`, scope);
    const end = await this.noop(`sequence_${label}_end`, scope);

    // Build phase: passes in declaration order until every node is built (argument availability).
    const built = new Map<string, Component>();
    let pending: readonly NodeSpec[] = seq.nodes;
    while (pending.length > 0) {
      const waiting: NodeSpec[] = [];
      for (const node of pending) {
        if (this.buildable(node, scope)) built.set(node.name, await this.node(label, node, scope));
        else waiting.push(node);
      }
      if (waiting.length === pending.length) {
        throw new RequestError(`Job Args are missing for [${waiting.map((n) => n.name).join(' ')}]`);
      }
      pending = waiting;
    }

    // Assembly: start -> nodes without deps; dep -> dependent; nodes nobody depends on -> end.
    if (seq.nodes.length === 0) this.edge(start, end);
    for (const node of seq.nodes) {
      const c = built.get(node.name) as Component;
      if (node.deps.length === 0) this.edge(start, c.first);
      for (const dep of node.deps) this.edge((built.get(dep) as Component).last, c.first);
    }
    const needed = dependedOn(seq);
    for (const node of seq.nodes) {
      if (!needed.has(node.name)) this.edge((built.get(node.name) as Component).last, end);
    }
    return { first: start, last: end };
  }
}

/** `unknown arg "x" for request type "demo" (declared: msg, sleepSeconds)`, or null when all are declared. */
function undeclaredArgs(type: string, seq: SequenceSpec, args: JsonObject): string | null {
  const declared = [...seq.required, ...seq.optional].map((a) => a.name);
  const unknown = Object.keys(args).filter((k) => !declared.includes(k));
  if (unknown.length === 0) return null;
  const listed = unknown.slice(0, MAX_NAMED).map((k) => `"${clip(k, MAX_ECHO)}"`);
  if (unknown.length > MAX_NAMED) listed.push(`and ${unknown.length - MAX_NAMED} more`);
  const names = listed.join(', ');
  return `unknown arg${unknown.length > 1 ? 's' : ''} ${names} for request type "${type}" (declared: ${declared.join(', ') || 'none'})`;
}

/**
 * Builds the job chain of a request: state PENDING, every job state 0 (UNKNOWN), data null,
 * ids `<name>@<n>` numbered from 1 in build order. Throws RequestError (HTTP 400 in the RM).
 */
export async function buildChain(
  specs: SpecSet,
  factory: JobFactory,
  type: string,
  args: JsonObject | null,
  requestId: string,
): Promise<{ chain: JobChain }> {
  const seq = specs.sequences.get(type);
  if (!seq) throw new RequestError(`cannot find definition for request: ${clip(type, MAX_ECHO)}`);
  const scope: JsonObject = { ...(args ?? {}) };
  const undeclared = undeclaredArgs(type, seq, scope);
  if (undeclared) throw new RequestError(undeclared);
  const builder = new ChainBuilder(specs, factory);
  await builder.sequence(type, seq, scope);
  return {
    chain: { requestId, jobs: builder.jobs, adjacencyList: builder.adjacency, state: STATE_PENDING },
  };
}
