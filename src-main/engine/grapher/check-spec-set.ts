// Merges parsed spec files into one SpecSet and runs the checks that need all of them:
// duplicate sequence names, exactly one noop-node definition, job types known to the factory,
// sub-sequence types that exist and do not call themselves, and argument flow (every `given`
// and `each` list can ever be in scope; sub-sequences get their required args).

import type { JobFactory } from '../jobs/job';
import { SpecError, type SpecProblem } from './errors';
import type { ParsedFile } from './parse-spec-file';
import type { NodeSpec, NoopSpec, SequenceSpec, SpecSet } from './spec-schema';
import { suggestKey } from './suggest';

const where = (seq: SequenceSpec, node: NodeSpec) => ({
  file: seq.file,
  line: node.line,
  sequence: seq.name,
  node: node.name,
});
const list = (names: Iterable<string>) => [...names].join(', ') || 'none';

function sameNoop(a: NoopSpec, b: NoopSpec): boolean {
  return a.type === b.type && JSON.stringify(a.args) === JSON.stringify(b.args);
}

/** Sub-sequence loops (a -> b -> a): reported once per loop, at the node closing it. */
function checkRecursion(sequences: ReadonlyMap<string, SequenceSpec>, problems: SpecProblem[]): void {
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (seq: SequenceSpec): void => {
    state.set(seq.name, 'active');
    stack.push(seq.name);
    for (const node of seq.nodes) {
      const child = node.category === 'sequence' ? sequences.get(node.type) : undefined;
      if (!child) continue;
      const s = state.get(child.name);
      if (s === 'active') {
        const loop = [...stack.slice(stack.indexOf(child.name)), child.name].join(' -> ');
        problems.push({ ...where(seq, node), detail: `sub-sequences call each other in a loop: ${loop}` });
      } else if (s === undefined) visit(child);
    }
    stack.pop();
    state.set(seq.name, 'done');
  };
  for (const seq of sequences.values()) if (!state.has(seq.name)) visit(seq);
}

/** Argument flow: what can ever be in a sequence's scope, and what each node needs from it. */
function checkArgFlow(sequences: ReadonlyMap<string, SequenceSpec>, problems: SpecProblem[]): void {
  // Keys a sequence's scope may hold: its declared args, its nodes' sets, and whatever the nodes
  // calling it as a sub-sequence pass in (their args' expected keys and their each item).
  const inScope = new Map<string, Set<string>>();
  for (const seq of sequences.values()) {
    const keys = new Set([...seq.required, ...seq.optional].map((a) => a.name));
    for (const node of seq.nodes) for (const k of node.sets) keys.add(k);
    inScope.set(seq.name, keys);
  }
  for (const seq of sequences.values()) {
    for (const node of seq.nodes) {
      const child = node.category === 'sequence' ? sequences.get(node.type) : undefined;
      if (!child) continue;
      const keys = inScope.get(child.name) as Set<string>;
      for (const a of node.args) keys.add(a.expected);
      if (node.each) keys.add(node.each.item);
    }
  }
  for (const seq of sequences.values()) {
    const keys = inScope.get(seq.name) as Set<string>;
    const known = [...keys];
    const hint = (k: string) => {
      const guess = suggestKey(k, known);
      return guess ? ` (did you mean "${guess}"?)` : ` (in scope: ${list(known)})`;
    };
    for (const node of seq.nodes) {
      for (const a of node.args) {
        if ('given' in a && !keys.has(a.given) && a.given === node.each?.item) {
          problems.push({
            ...where(seq, node),
            detail: `args: given "${a.given}" is the each item, which is not in the sequence's scope; the node gets "${a.given}" without an args entry: drop it`,
          });
        } else if ('given' in a && !keys.has(a.given)) {
          problems.push({
            ...where(seq, node),
            detail: `args: given "${a.given}" is never in the sequence's scope: not a declared arg, not set by a node${hint(a.given)}`,
          });
        }
      }
      if (node.each && !keys.has(node.each.list)) {
        problems.push({
          ...where(seq, node),
          detail: `each "${node.each.text}": list "${node.each.list}" is never in the sequence's scope${hint(node.each.list)}`,
        });
      }
      const child = node.category === 'sequence' ? sequences.get(node.type) : undefined;
      if (!child) continue;
      const passed = new Set(node.args.map((a) => a.expected));
      if (node.each) passed.add(node.each.item);
      for (const arg of child.required) {
        if (!passed.has(arg.name)) {
          problems.push({
            ...where(seq, node),
            detail: `sub-sequence "${child.name}" requires arg "${arg.name}", which this node does not pass (it passes: ${list(passed)})`,
          });
        }
      }
      const childKeys = new Set([...child.required, ...child.optional].map((a) => a.name));
      for (const n of child.nodes) for (const k of n.sets) childKeys.add(k);
      for (const k of passed) childKeys.add(k);
      for (const k of node.sets) {
        if (!childKeys.has(k)) {
          problems.push({
            ...where(seq, node),
            detail: `sets "${k}", but sub-sequence "${child.name}" never has "${k}" in its scope (it has: ${list(childKeys)})`,
          });
        }
      }
    }
  }
}

/**
 * One SpecSet from parsed files (in load order). Throws SpecError with every problem found: the
 * files' own and those across files, in one list.
 * With `factory`, job types (nodes and noop-node) must be known to it.
 */
export function checkSpecSet(files: readonly ParsedFile[], factory?: JobFactory, dir = '.'): SpecSet {
  const problems = files.flatMap((f) => f.problems);
  // With part of a file unread, the checks that need every file would report what it left out.
  const complete = files.every((f) => f.complete);

  const sequences = new Map<string, SequenceSpec>();
  let noop: NoopSpec | null = null;
  for (const f of files) {
    if (f.noop) {
      if (noop && !sameNoop(noop, f.noop)) {
        problems.push({
          file: f.file,
          line: f.noop.line,
          noopNode: true,
          detail: `differs from the noop-node of ${noop.file} (line ${noop.line}); define it once, or identically in every file`,
        });
      }
      noop ??= f.noop;
    }
    for (const seq of f.sequences) {
      const prev = sequences.get(seq.name);
      if (prev) {
        problems.push({
          file: seq.file,
          line: seq.line,
          sequence: seq.name,
          detail: `is already defined in ${prev.file} (line ${prev.line}); sequence names must be unique across files`,
        });
      } else sequences.set(seq.name, seq);
    }
  }
  if (!noop && sequences.size > 0 && complete) {
    const first = sequences.values().next().value as SequenceSpec;
    problems.push({
      file: dir,
      line: 0,
      detail: `no file defines noop-node (e.g. "noop-node: {category: job, type: noop}"), needed for the start/end nodes of ${first.name} and every other sequence`,
    });
  }
  if (factory && noop && !factory.has(noop.type)) {
    problems.push({
      file: noop.file,
      line: noop.line,
      noopNode: true,
      detail: `unknown job type "${noop.type}" (known: ${list(factory.list().map((t) => t.type))})`,
    });
  }
  const jobTypes = factory ? factory.list().map((t) => t.type) : [];
  const sequenceNames = [...sequences.keys()];
  for (const seq of sequences.values()) {
    for (const node of seq.nodes) {
      if (node.type === '') continue; // reported by the file's own checks
      if (node.category === 'sequence' && !sequences.has(node.type)) {
        if (!complete) continue;
        const guess = suggestKey(node.type, sequenceNames);
        problems.push({
          ...where(seq, node),
          detail: `type names unknown sequence "${node.type}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
        });
      } else if (node.category === 'job' && factory && !factory.has(node.type)) {
        const guess = suggestKey(node.type, jobTypes);
        const extra = sequences.has(node.type)
          ? ` ("${node.type}" is a sequence: add category: sequence)`
          : guess
            ? ` (did you mean "${guess}"?)`
            : ` (known: ${list(jobTypes)})`;
        problems.push({ ...where(seq, node), detail: `unknown job type "${node.type}"${extra}` });
      }
    }
  }
  checkRecursion(sequences, problems);
  if (complete) checkArgFlow(sequences, problems);
  if (problems.length > 0) throw new SpecError(problems);
  return { noop, sequences, files: files.map((f) => f.file) };
}
