// Parses and validates ONE request-spec YAML file on its own: syntax, keys, value types, names,
// `each` form, deps (unknown, self, duplicate, cycles). Checks that need every file (duplicate
// sequences, noop-node, job types, sub-sequence types, argument flow) are in check-spec-set.ts.
// Every problem is collected with its line; nothing is silently ignored.

import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import type { JsonValue } from '../../shared/proto';
import { MAX_RETRY, MAX_WAIT_MS } from '../limits';
import type { SpecProblem } from './errors';
import {
  ACL_KEYS,
  ACL_OPS,
  FILE_KEYS,
  NODE_ARG_KEYS,
  NODE_KEYS,
  NOOP_KEYS,
  OPTIONAL_ARG_KEYS,
  REQUIRED_ARG_KEYS,
  SEQUENCE_ARGS_KEYS,
  SEQUENCE_KEYS,
  type AclEntry,
  type AclOp,
  type ArgSpec,
  type EachSpec,
  type NodeArg,
  type NodeSpec,
  type NoopSpec,
  type SequenceSpec,
} from './spec-schema';
import { suggestKey, unknownKeyMessage } from './suggest';

export interface ParsedFile {
  file: string;
  noop: NoopSpec | null;
  sequences: SequenceSpec[];
  problems: SpecProblem[];
  /**
   * Everything the file says made it into noop/sequences (its problems, if any, are about
   * values, not missing parts). Checks that need every file (no noop-node anywhere, unknown
   * sub-sequences, argument flow) run only when all files are complete: otherwise they would
   * report what a broken part left out.
   */
  complete: boolean;
}

type Path = ReadonlyArray<string | number>;
interface Where {
  noopNode?: boolean;
  sequence?: string;
  node?: string;
}
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
  return String(v);
}

/** Why `name` is not usable as a name/key, or null when it is fine. */
function badName(name: string, what: string, extra = ''): string | null {
  if (name === '') return `${what} is empty`;
  if (/\s/.test(name)) return `${what} "${name}" contains white space`;
  if (name === '__proto__') return `${what} "__proto__" is not allowed`;
  if (extra && [...extra].some((c) => name.includes(c))) return `${what} "${name}" must not contain "${extra}"`;
  return null;
}

class FileChecker {
  readonly problems: SpecProblem[] = [];
  /** False once something in the file could not be read into the result (see ParsedFile.complete). */
  complete = true;

  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line of the key at `path` (or of the item, for list indexes); 0 when unknown. */
  line(path: Path): number {
    for (let p = path; ; p = p.slice(0, -1)) {
      const parent = p.length > 1 ? this.doc.getIn(p.slice(0, -1), true) : this.doc.contents;
      const last = p[p.length - 1];
      if (p.length > 0 && isMap(parent)) {
        const pair = parent.items.find((it) => isScalar(it.key) && String(it.key.value) === String(last));
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range) return this.lines.linePos(range[0]).line;
      }
      const node = p.length > 0 ? this.doc.getIn(p, true) : this.doc.contents;
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return this.lines.linePos(range[0]).line;
      if (p.length === 0) return 0;
    }
  }

  problem(where: Where, path: Path, detail: string): void {
    this.problems.push({ file: this.file, line: this.line(path), ...where, detail });
  }

  /** A problem that leaves part of the file out of what was parsed (so checks across files would guess). */
  lost(where: Where, path: Path, detail: string): void {
    this.complete = false;
    this.problem(where, path, detail);
  }

  /** Reports keys of `obj` outside `accepted`. */
  keys(obj: Obj, accepted: readonly string[], where: Where, path: Path): void {
    for (const key of Object.keys(obj)) {
      if (!accepted.includes(key)) this.problem(where, [...path, key], unknownKeyMessage(key, accepted));
    }
  }

  /** A list (null/absent → []), reporting anything else. */
  list(v: unknown, what: string, where: Where, path: Path): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.lost(where, path, `${what} must be a list, got ${kindOf(v)}`);
    return [];
  }

  /** A list of names (strings). */
  names(v: unknown, what: string, where: Where, path: Path): string[] {
    const out: string[] = [];
    this.list(v, what, where, path).forEach((item, i) => {
      if (typeof item !== 'string') {
        this.lost(where, [...path, i], `${what} entries must be text, got ${kindOf(item)}`);
        return;
      }
      const bad = badName(item, `${what} entry`);
      if (bad) this.lost(where, [...path, i], bad);
      else out.push(item);
    });
    return out;
  }

  /** A scalar as text the way Go's yaml.v2 fills a string field: the source text of numbers/booleans. */
  text(v: unknown, what: string, where: Where, path: Path): string {
    if (v === undefined || v === null) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') {
      const node = this.doc.getIn(path, true);
      return isScalar(node) && typeof node.source === 'string' && node.source !== '' ? node.source : String(v);
    }
    this.problem(where, path, `${what} must be a single value (text, number or true/false), got ${kindOf(v)}`);
    return '';
  }

  /** A whole number from `min` to `max` (limits.ts). */
  count(v: unknown, what: string, where: Where, path: Path, min: number, max: number): number {
    if (v === undefined || v === null) return 0;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max) return v;
    this.problem(where, path, `${what} must be a whole number from ${min} to ${max}, got ${kindOf(v)}`);
    return 0;
  }

  nodeArgs(v: unknown, where: Where, path: Path): NodeArg[] {
    const out: NodeArg[] = [];
    const seen = new Set<string>();
    this.list(v, 'args', where, path).forEach((entry, i) => {
      const at = [...path, i];
      if (!isObj(entry)) {
        this.lost(where, at, `args entries must be maps like {expected: k, given: k}, got ${kindOf(entry)}`);
        return;
      }
      this.keys(entry, NODE_ARG_KEYS, where, at);
      const { expected, given } = entry;
      if (typeof expected !== 'string') {
        this.lost(where, at, `args entry needs "expected" (the key the node sees), got ${kindOf(expected)}`);
        return;
      }
      const bad = badName(expected, 'expected');
      if (bad) return this.lost(where, [...at, 'expected'], bad);
      if (seen.has(expected)) return this.problem(where, at, `args lists expected "${expected}" twice`);
      seen.add(expected);
      const hasValue = Object.hasOwn(entry, 'value');
      if (given !== undefined && hasValue) {
        this.lost(where, at, `args entry "${expected}" has both "given" and "value"; use one`);
      } else if (hasValue) {
        out.push({ expected, value: entry.value as JsonValue });
      } else if (typeof given !== 'string') {
        this.lost(
          where,
          at,
          `args entry "${expected}" needs "given" (a key of the sequence's scope) or "value" (a static value)` +
            (given === undefined ? '' : `, got given ${kindOf(given)}`),
        );
      } else {
        const badGiven = badName(given, 'given');
        if (badGiven) this.lost(where, [...at, 'given'], badGiven);
        else out.push({ expected, given });
      }
    });
    return out;
  }

  each(v: unknown, where: Where, path: Path): EachSpec | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') {
      this.lost(where, path, `each must be text "list:item", got ${kindOf(v)}`);
      return null;
    }
    const parts = v.split(':');
    if (parts.length !== 2) {
      this.lost(
        where,
        path,
        `each "${v}" must be "<list arg>:<item name>" with exactly one ":" (split on ':' yielded ${parts.length} values, expected 2)`,
      );
      return null;
    }
    const [list = '', item = ''] = parts;
    const bad = badName(list, 'each list name') ?? badName(item, 'each item name');
    if (bad) {
      this.lost(where, path, `each "${v}": ${bad}`);
      return null;
    }
    return { text: v, list, item };
  }

  noop(v: unknown): NoopSpec | null {
    const where = { noopNode: true };
    const path = ['noop-node'];
    if (!isObj(v)) {
      this.lost(where, path, `must be a map with "type" (the job type of start/end nodes), got ${kindOf(v)}`);
      return null;
    }
    this.keys(v, NOOP_KEYS, where, path);
    if (v.category !== undefined && v.category !== 'job') {
      this.problem(where, [...path, 'category'], `category must be "job", got ${kindOf(v.category)}`);
    }
    const args = this.nodeArgs(v.args, where, [...path, 'args']);
    if (this.list(v.sets, 'sets', where, [...path, 'sets']).length > 0) {
      this.problem(where, [...path, 'sets'], 'sets has no effect on noop-node; remove it');
    }
    if (typeof v.type !== 'string' || v.type === '') {
      this.lost(where, [...path, 'type'], `type (a job type) is required, got ${kindOf(v.type)}`);
      return null;
    }
    return { type: v.type, args, file: this.file, line: this.line(path) };
  }

  sequenceArgs(v: unknown, kind: 'required' | 'optional', where: Where, path: Path, seen: Set<string>): ArgSpec[] {
    const out: ArgSpec[] = [];
    this.list(v, `args.${kind}`, where, path).forEach((entry, i) => {
      const at = [...path, i];
      if (!isObj(entry)) {
        this.lost(where, at, `args.${kind} entries must be maps like {name: x, desc: ...}, got ${kindOf(entry)}`);
        return;
      }
      const accepted = kind === 'required' ? REQUIRED_ARG_KEYS : OPTIONAL_ARG_KEYS;
      for (const key of Object.keys(entry)) {
        if (accepted.includes(key as never)) continue;
        const msg =
          key === 'default'
            ? 'a required arg cannot have a default (move it to args.optional)'
            : unknownKeyMessage(key, accepted);
        this.problem(where, [...at, key], msg);
      }
      if (typeof entry.name !== 'string') {
        this.lost(where, at, `args.${kind} entry needs a name, got ${kindOf(entry.name)}`);
        return;
      }
      const bad = badName(entry.name, 'arg name');
      if (bad) return this.lost(where, [...at, 'name'], bad);
      if (seen.has(entry.name)) return this.problem(where, at, `arg "${entry.name}" is declared twice`);
      seen.add(entry.name);
      out.push({
        name: entry.name,
        desc: this.text(entry.desc, 'desc', where, [...at, 'desc']),
        default: kind === 'optional' ? this.text(entry.default, 'default', where, [...at, 'default']) : '',
      });
    });
    return out;
  }

  /**
   * A sequence's `acl`: entries `{role, admin: true}` or `{role, ops: [start, stop]}`, each role
   * once. Any problem leaves the whole acl out (a partial one would grant or refuse by accident).
   */
  acl(v: unknown, where: Where, path: Path): AclEntry[] {
    const out: AclEntry[] = [];
    const before = this.problems.length;
    const roles = new Set<string>();
    const entries = this.list(v, 'acl', where, path);
    if (v != null && entries.length === 0 && Array.isArray(v)) {
      this.problem(where, path, 'acl is empty: list the roles allowed (or remove acl: to leave the type open)');
    }
    entries.forEach((entry, i) => {
      const at = [...path, i];
      const which = `acl entry ${i + 1}`;
      if (!isObj(entry)) {
        this.problem(where, at, `${which} must be a map like {role: eng, ops: [start]}, got ${kindOf(entry)}`);
        return;
      }
      const { role, admin, ops } = entry;
      const named = typeof role === 'string' && role.trim() !== '' ? `${which} (role "${role}")` : which;
      for (const key of Object.keys(entry)) {
        if (!(ACL_KEYS as readonly string[]).includes(key)) {
          this.problem(where, [...at, key], `${named}: ${unknownKeyMessage(key, ACL_KEYS)}`);
        }
      }
      if (typeof role !== 'string' || role.trim() === '') {
        this.problem(where, at, `${which} needs a role (text), got ${kindOf(role)}`);
        return;
      }
      if (roles.has(role)) this.problem(where, [...at, 'role'], `${named}: the role is listed twice`);
      roles.add(role);
      if (admin !== undefined && typeof admin !== 'boolean') {
        this.problem(where, [...at, 'admin'], `${named}: admin must be true or false, got ${kindOf(admin)}`);
        return;
      }
      if (admin === true) {
        if (ops !== undefined) this.problem(where, [...at, 'ops'], `${named}: admin: true grants every op; drop ops`);
        out.push({ role, admin: true, ops: [] });
        return;
      }
      if (!Array.isArray(ops) || ops.length === 0) {
        this.problem(
          where,
          at,
          `${named} grants nothing: give ops (a list of ${ACL_OPS.join(', ')}) or admin: true, got ops ${kindOf(ops)}`,
        );
        return;
      }
      const granted: AclOp[] = [];
      ops.forEach((op, j) => {
        if (typeof op !== 'string' || !(ACL_OPS as readonly string[]).includes(op)) {
          this.problem(where, [...at, 'ops', j], `${named}: unknown op ${kindOf(op)} (ops are ${ACL_OPS.join(', ')})`);
        } else if (granted.includes(op as AclOp)) {
          this.problem(where, [...at, 'ops', j], `${named}: op "${op}" is listed twice`);
        } else granted.push(op as AclOp);
      });
      out.push({ role, admin: false, ops: granted });
    });
    return this.problems.length === before ? out : [];
  }

  node(name: string, v: unknown, sequence: string, path: Path): NodeSpec | null {
    const where = { sequence, node: name };
    const bad = badName(name, 'node name', '@');
    if (bad) this.problem({ sequence }, path, bad);
    if (!isObj(v)) {
      this.lost(where, path, `must be a map with category, type, args..., got ${kindOf(v)}`);
      return null;
    }
    this.keys(v, NODE_KEYS, where, path);
    if (v.name !== undefined && v.name !== name) {
      this.problem(where, [...path, 'name'], `name "${String(v.name)}" differs from the key "${name}" (drop name:)`);
    }
    let category: 'job' | 'sequence' = 'job';
    if (v.category === 'sequence') category = 'sequence';
    else if (v.category !== undefined && v.category !== 'job') {
      this.problem(where, [...path, 'category'], `category must be "job" or "sequence", got ${kindOf(v.category)}`);
    }
    const type = v.type;
    if (typeof type !== 'string' || type === '') {
      const what = category === 'job' ? 'a job type' : 'a sequence name';
      this.problem(where, [...path, 'type'], `type (${what}) is required, got ${kindOf(type)}`);
    }
    const node: NodeSpec = {
      name,
      category,
      type: typeof type === 'string' ? type : '',
      args: this.nodeArgs(v.args, where, [...path, 'args']),
      sets: this.names(v.sets, 'sets', where, [...path, 'sets']),
      deps: this.names(v.deps, 'deps', where, [...path, 'deps']),
      each: this.each(v.each, where, [...path, 'each']),
      retry: this.count(v.retry, 'retry', where, [...path, 'retry'], 0, MAX_RETRY),
      retryWait: this.count(v.retryWait, 'retryWait (ms)', where, [...path, 'retryWait'], 0, MAX_WAIT_MS),
      timeout:
        v.timeout == null ? null : this.count(v.timeout, 'timeout (ms)', where, [...path, 'timeout'], 1, MAX_WAIT_MS),
      line: this.line(path),
    };
    if (category === 'sequence') {
      for (const key of ['retry', 'retryWait', 'timeout'] as const) {
        if (v[key] != null) this.problem(where, [...path, key], `${key} only applies to job nodes, not sequence nodes`);
      }
    }
    return node;
  }

  /** deps: unknown names, self, duplicates, cycles. */
  deps(seq: SequenceSpec, path: Path): void {
    const byName = new Map(seq.nodes.map((n) => [n.name, n]));
    const names = [...byName.keys()];
    for (const node of seq.nodes) {
      const where = { sequence: seq.name, node: node.name };
      const at = [...path, 'nodes', node.name, 'deps'];
      const seen = new Set<string>();
      for (const dep of node.deps) {
        if (seen.has(dep)) this.problem(where, at, `deps lists "${dep}" twice`);
        else if (dep === node.name) this.problem(where, at, 'deps names the node itself');
        else if (!byName.has(dep)) {
          const guess = suggestKey(dep, names);
          this.problem(where, at, `deps names unknown node "${dep}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
        }
        seen.add(dep);
      }
    }
    // Cycles: depth-first search in declaration order; report each cycle once.
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (name: string): void => {
      state.set(name, 'active');
      stack.push(name);
      for (const dep of byName.get(name)?.deps ?? []) {
        if (dep === name || !byName.has(dep)) continue;
        const s = state.get(dep);
        if (s === 'active') {
          const cycle = [...stack.slice(stack.indexOf(dep)), dep];
          this.problem(
            { sequence: seq.name, node: dep },
            [...path, 'nodes', dep, 'deps'],
            `deps form a cycle: ${cycle.join(' -> ')} (each waits for the next)`,
          );
        } else if (s === undefined) visit(dep);
      }
      stack.pop();
      state.set(name, 'done');
    };
    for (const name of names) if (!state.has(name)) visit(name);
  }

  sequence(name: string, v: unknown): SequenceSpec | null {
    const path = ['sequences', name];
    const where = { sequence: name };
    const bad = badName(name, 'sequence name', '@');
    if (bad) this.problem({}, path, bad);
    if (!isObj(v)) {
      this.lost(where, path, `must be a map with args and nodes, got ${kindOf(v)}`);
      return null;
    }
    this.keys(v, SEQUENCE_KEYS, where, path);
    if (v.name !== undefined && v.name !== name) {
      this.problem(where, [...path, 'name'], `name "${String(v.name)}" differs from the key "${name}" (drop name:)`);
    }
    let required: ArgSpec[] = [];
    let optional: ArgSpec[] = [];
    if (v.args != null) {
      if (!isObj(v.args)) {
        this.lost(where, [...path, 'args'], `args must be a map with required and/or optional, got ${kindOf(v.args)}`);
      } else {
        this.keys(v.args, SEQUENCE_ARGS_KEYS, where, [...path, 'args']);
        const seen = new Set<string>();
        required = this.sequenceArgs(v.args.required, 'required', where, [...path, 'args', 'required'], seen);
        optional = this.sequenceArgs(v.args.optional, 'optional', where, [...path, 'args', 'optional'], seen);
      }
    }
    const nodes: NodeSpec[] = [];
    if (v.nodes != null && !isObj(v.nodes)) {
      this.lost(where, [...path, 'nodes'], `nodes must be a map of node name to node, got ${kindOf(v.nodes)}`);
    } else if (v.nodes != null) {
      for (const [nodeName, nodeValue] of Object.entries(v.nodes)) {
        const node = this.node(nodeName, nodeValue, name, [...path, 'nodes', nodeName]);
        if (node) nodes.push(node);
      }
    }
    const acl = this.acl(v.acl, where, [...path, 'acl']);
    const seq: SequenceSpec = { name, file: this.file, line: this.line(path), required, optional, nodes, acl };
    this.deps(seq, path);
    return seq;
  }
}

/** Parses one spec file. `file` is only used in problems (and recorded on the sequences). */
export function parseSpecFile(text: string, file: string): ParsedFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const result: ParsedFile = { file, noop: null, sequences: [], problems: [], complete: false };
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const pos = lines.linePos(err.pos[0]);
      const message = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      result.problems.push({ file, line: pos.line, column: pos.col, detail: `YAML syntax error: ${message}` });
    }
    return result;
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    result.problems.push({ file, line: 0, detail: `YAML error: ${(err as Error).message}` });
    return result;
  }
  const check = new FileChecker(file, doc, lines);
  if (root === null || root === undefined) return { ...result, complete: true }; // an empty file defines nothing
  if (!isObj(root)) {
    check.lost({}, [], `expected a map with keys noop-node and sequences, got ${kindOf(root)}`);
    return { ...result, problems: check.problems, complete: check.complete };
  }
  check.keys(root, FILE_KEYS, {}, []);
  if (root['noop-node'] !== undefined) result.noop = check.noop(root['noop-node']);
  const sequences = root.sequences;
  if (sequences != null && !isObj(sequences)) {
    check.lost({}, ['sequences'], `sequences must be a map of sequence name to sequence, got ${kindOf(sequences)}`);
  } else if (sequences != null) {
    for (const [name, value] of Object.entries(sequences)) {
      const seq = check.sequence(name, value);
      if (seq) result.sequences.push(seq);
    }
  }
  result.problems = check.problems;
  result.complete = check.complete;
  return result;
}
