// The grapher as the RM's ChainBuilder: its RequestError becomes an HTTP 400 with the message
// as is (the original answered 500), and so does a built chain the JR's own validation
// (check-chain.ts) would refuse; the request list is computed once.

import type { JobChain, JsonObject, RequestSpec } from '../../shared/proto';
import { checkChain } from '../check-chain';
import { RequestError, buildChain, requestList, type SpecSet } from '../grapher';
import { HttpError } from '../http/server';
import type { JobFactory } from '../jobs/job';
import { InvalidChainError } from '../jr/chain-plan';
import type { ChainBuilder } from './chain-builder';

export class GrapherChainBuilder implements ChainBuilder {
  private list: RequestSpec[] | undefined;

  constructor(
    private readonly specs: SpecSet,
    private readonly factory: JobFactory,
  ) {}

  async buildChain(type: string, args: JsonObject, requestId: string): Promise<JobChain> {
    try {
      const { chain } = await buildChain(this.specs, this.factory, type, args, requestId);
      checkChain(chain, this.factory);
      return chain;
    } catch (err) {
      if (err instanceof RequestError || err instanceof InvalidChainError) throw new HttpError(400, err.message);
      throw err;
    }
  }

  requestList(): RequestSpec[] {
    this.list ??= [...requestList(this.specs)].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
    return this.list;
  }
}
