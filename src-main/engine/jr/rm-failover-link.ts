// A JR's link to several Request Managers (`spincycle jr --rm-url A,B,…`), all on one database:
// each call goes to the RM that answered last (the first listed at start); one that cannot be
// reached sends the call on to the next, in list order, and the first that answers is used from
// then on. Only "no answer" moves on: an RM that answers, even with an error (a full disk is
// every RM's), has spoken. Retrying a call that was never answered is safe: the RM keys job
// logs by (request, job, try), so a log that got through before its answer was lost is a 409,
// which the delivery counts as delivered.

import type { JobLog, State } from '../../shared/proto';
import { LinkError, type RequestManagerLink } from '../links';
import type { Logger } from '../log';
import type { RequestManagerHttpLink } from './rm-http-link';

const unanswered = (err: unknown) => err instanceof LinkError && err.status === undefined;

export class FailoverRequestManagerLink implements RequestManagerLink {
  private current = 0;

  constructor(
    private readonly links: readonly RequestManagerHttpLink[],
    private readonly logger: Logger,
  ) {
    if (links.length === 0) throw new Error('no request manager URL');
  }

  createJobLog(requestId: string, log: JobLog, epoch?: number): Promise<void> {
    return this.call((rm) => rm.createJobLog(requestId, log, epoch));
  }

  createJobLogs(requestId: string, logs: readonly JobLog[], epoch?: number): Promise<Array<LinkError | null> | null> {
    return this.call((rm) => rm.createJobLogs(requestId, logs, epoch));
  }

  finishRequest(requestId: string, state: State, epoch?: number): Promise<void> {
    return this.call((rm) => rm.finishRequest(requestId, state, epoch));
  }

  suspendRequest(requestId: string, epoch: number): Promise<void> {
    return this.call((rm) => rm.suspendRequest(requestId, epoch));
  }

  close(): void {
    for (const link of this.links) link.close();
  }

  private async call<T>(send: (rm: RequestManagerHttpLink) => Promise<T>): Promise<T> {
    const from = this.current;
    for (let tried = 0; ; tried++) {
      const at = (from + tried) % this.links.length;
      const rm = this.links[at] as RequestManagerHttpLink;
      let answer: T;
      try {
        answer = await send(rm);
      } catch (err) {
        if (!unanswered(err) || tried === this.links.length - 1) throw err;
        continue;
      }
      if (at !== this.current) {
        this.logger.warn('request manager does not answer; using another', {
          from: (this.links[this.current] as RequestManagerHttpLink).url,
          to: rm.url,
        });
        this.current = at;
      }
      return answer;
    }
  }
}
