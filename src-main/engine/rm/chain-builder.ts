// What the RM needs from the grapher: turn a request type and args into a job chain, and list
// the request types. server.ts adapts the grapher module to this; tests use small fakes.

import type { JobChain, JsonObject, RequestSpec } from '../../shared/proto';

export interface ChainBuilder {
  /**
   * The job chain for a request (its `requestId` set to `requestId`, state PENDING).
   * Throws an HttpError 400 with the grapher's message when the specs refuse the request
   * (unknown type, missing or extra args, ...); anything else thrown is a 500.
   */
  buildChain(type: string, args: JsonObject, requestId: string): Promise<JobChain>;
  /** Every request type with its args, sorted by name (R11). */
  requestList(): RequestSpec[];
}
