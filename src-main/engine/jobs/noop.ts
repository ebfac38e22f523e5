// The `noop` job type: does nothing and succeeds. The grapher puts one at the start and end of
// every sequence (docs/protocol/request-specs.md §4), so it is on the dispatch hot path: it
// returns one shared, frozen result directly (no promise), which the runner settles without
// allocating.

import { STATE_COMPLETE } from '../../shared/proto';
import type { Job, JobReturn, JobType } from './job';

// One frozen result shared by every noop run: nothing to allocate per job.
const DONE: JobReturn = Object.freeze({ state: STATE_COMPLETE, exit: 0, error: '', stdout: '', stderr: '' });

class NoopJob implements Job {
  create(): void {}
  serialize(): null {
    return null;
  }
  deserialize(): void {}
  run(): JobReturn {
    return DONE;
  }
  stop(): void {}
  status(): string {
    return 'nop';
  }
}

export function noopJobType(): JobType {
  return { type: 'noop', description: 'Does nothing and succeeds.', make: () => new NoopJob() };
}
