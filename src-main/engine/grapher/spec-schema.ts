// The in-memory form of request specs after loading and validation
// (docs/protocol/request-specs.md §2 plus our additions: static args, `timeout`, and upstream
// v2's `acl`), and the YAML keys each level accepts.

import type { JsonValue } from '../../shared/proto';

/** A sequence argument (`args.required[]` / `args.optional[]`). */
export interface ArgSpec {
  name: string;
  desc: string;
  /** Optional args only: the default, always a string ("" when the spec gives none). */
  default: string;
}

/**
 * One entry of a node's `args` list: the node sees key `expected`, taken from the parent scope's
 * `given` key, or (our addition, "static arg") the literal `value` written in the spec.
 */
export type NodeArg = { expected: string; given: string } | { expected: string; value: JsonValue };

/** A parsed `each: list:item`. */
export interface EachSpec {
  /** The text as written, e.g. `hosts:host` (used in error messages, like the original). */
  text: string;
  list: string;
  item: string;
}

export interface NodeSpec {
  name: string;
  category: 'job' | 'sequence';
  /** Job type (category job) or sequence name (category sequence). */
  type: string;
  args: NodeArg[];
  sets: string[];
  deps: string[];
  each: EachSpec | null;
  retry: number;
  /** Milliseconds between tries. */
  retryWait: number;
  /** Our addition: milliseconds a try may run before the JR ends it TIMEOUT; null for none. */
  timeout: number | null;
  line: number;
}

/** What an ACL entry can grant (upstream v2's request ops). */
export const ACL_OPS = ['start', 'stop'] as const;
export type AclOp = (typeof ACL_OPS)[number];

/**
 * One entry of a sequence's `acl` (upstream v2's syntax): callers with `role` may do `ops` to
 * requests of the type, or everything with `admin: true`.
 */
export interface AclEntry {
  role: string;
  admin: boolean;
  /** Empty when admin. */
  ops: AclOp[];
}

export interface SequenceSpec {
  name: string;
  /** The file it was defined in (as loadSpecs was given it, e.g. `specs/rolling.yaml`). */
  file: string;
  line: number;
  required: ArgSpec[];
  optional: ArgSpec[];
  /** In declaration order (the YAML map order). */
  nodes: NodeSpec[];
  /** Who may start and stop requests of this type when the RM has auth (empty: no ACL). */
  acl: AclEntry[];
}

/** The `noop-node` map: the job type of every start/end node the grapher adds. */
export interface NoopSpec {
  type: string;
  args: NodeArg[];
  file: string;
  line: number;
}

/** Everything loadSpecs read: one namespace of sequences (= request types). */
export interface SpecSet {
  /** null only when no file defines noop-node, which is allowed only when there are no sequences. */
  noop: NoopSpec | null;
  sequences: ReadonlyMap<string, SequenceSpec>;
  /** The files read, in load order. */
  files: readonly string[];
}

// ---- accepted YAML keys (anything else is an error, with a suggestion) ----------------------

export const FILE_KEYS = ['noop-node', 'sequences'] as const;
export const NOOP_KEYS = ['category', 'type', 'args', 'sets'] as const;
export const SEQUENCE_KEYS = ['name', 'args', 'nodes', 'acl'] as const;
export const ACL_KEYS = ['role', 'admin', 'ops'] as const;
export const SEQUENCE_ARGS_KEYS = ['required', 'optional'] as const;
export const REQUIRED_ARG_KEYS = ['name', 'desc'] as const;
export const OPTIONAL_ARG_KEYS = ['name', 'desc', 'default'] as const;
export const NODE_KEYS = [
  'name',
  'category',
  'type',
  'args',
  'sets',
  'deps',
  'each',
  'retry',
  'retryWait',
  'timeout',
] as const;
export const NODE_ARG_KEYS = ['expected', 'given', 'value'] as const;

/** Names people write by mistake (some straight from the original's doc.go) and what they meant. */
export const KEY_ALIASES: Readonly<Record<string, string>> = {
  retries: 'retry',
  retryDelay: 'retryWait',
  retry_wait: 'retryWait',
  retrywait: 'retryWait',
  expects: 'expected',
  dependencies: 'deps',
  depends: 'deps',
  dependsOn: 'deps',
  depends_on: 'deps',
  set: 'sets',
  dep: 'deps',
  arguments: 'args',
  params: 'args',
  node: 'nodes',
  sequence: 'sequences',
  noop: 'noop-node',
  noop_node: 'noop-node',
  noopNode: 'noop-node',
  timeoutMs: 'timeout',
  from: 'given',
  permissions: 'acl',
};
