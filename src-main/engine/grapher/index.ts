// The grapher: request specs (YAML) -> validated SpecSet -> job chains and the request list.
// See README.md in this folder for the spec format and what we changed from the original.

export { buildChain, TIMEOUT_ARG } from './build-chain';
export { RequestError, SpecError, formatProblem, type SpecProblem } from './errors';
export { loadSpecs, parseSpecs, type SpecSource } from './load-specs';
export { parseSpecFile, type ParsedFile } from './parse-spec-file';
export { checkSpecSet } from './check-spec-set';
export { requestList } from './request-list';
export { ACL_OPS } from './spec-schema';
export type {
  AclEntry,
  AclOp,
  ArgSpec,
  EachSpec,
  NodeArg,
  NodeSpec,
  NoopSpec,
  SequenceSpec,
  SpecSet,
} from './spec-schema';
