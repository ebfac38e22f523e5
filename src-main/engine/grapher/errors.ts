// The two error kinds of the grapher: SpecError (the request specs on disk are invalid; raised by
// loadSpecs at start-up, naming file, sequence, node and line) and RequestError (a request cannot
// be turned into a job chain; the RM answers it with HTTP 400 and the message as the body).

/** One thing wrong with the specs. `line` is 1-based, 0 when unknown. */
export interface SpecProblem {
  file: string;
  line: number;
  /** 1-based column, for YAML syntax errors only. */
  column?: number;
  /** Set for problems inside the top-level `noop-node` map. */
  noopNode?: boolean;
  sequence?: string;
  node?: string;
  /** The problem itself, without the location, e.g. `deps names unknown node "drian"`. */
  detail: string;
}

/** `specs/rolling.yaml: sequence "restart-host", node "drain": deps names unknown node "drian" (line 14)` */
export function formatProblem(p: SpecProblem): string {
  const where = [
    p.file,
    ...(p.sequence === undefined ? [] : [`sequence "${p.sequence}"`]),
    ...(p.noopNode ? ['noop-node'] : []),
    ...(p.node === undefined ? [] : [`node "${p.node}"`]),
  ];
  const head = where.length > 1 ? `${where[0]}: ${where.slice(1).join(', ')}` : where[0];
  const at = p.line > 0 ? ` (line ${p.line}${p.column ? `, column ${p.column}` : ''})` : '';
  return `${head}: ${p.detail}${at}`;
}

/** The request specs are invalid. The message lists every problem found, one per line. */
export class SpecError extends Error {
  override name = 'SpecError';
  constructor(readonly problems: readonly SpecProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** A request cannot be built into a job chain (bad type, args or spec/job failure at build time). */
export class RequestError extends Error {
  override name = 'RequestError';
}
