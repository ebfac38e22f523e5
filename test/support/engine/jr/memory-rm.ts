// Test support: an in-process RequestManagerLink that records job logs and finish calls, for
// tests of traversal semantics where the wire does not matter (the wire is covered by tests
// using RecordingRm).

import type { JobLog, State } from '../../../../src-main/shared/proto';
import type { RequestManagerLink } from '../../../../src-main/engine/links';

export class MemoryRm implements RequestManagerLink {
  readonly logs: JobLog[] = [];
  readonly finishes: Array<{ requestId: string; state: State }> = [];

  async createJobLog(_requestId: string, log: JobLog): Promise<void> {
    this.logs.push(log);
  }

  async finishRequest(requestId: string, state: State): Promise<void> {
    this.finishes.push({ requestId, state });
  }

  logsOf(requestId: string): JobLog[] {
    return this.logs.filter((l) => l.requestId === requestId);
  }
}
