// The Job Runner's public surface: build one (createJobRunner), serve it over HTTP
// (jobRunnerRouter), or reach a Request Manager over HTTP (RequestManagerHttpLink).

import type { Logger } from '../log';
import type { JobFactory } from '../jobs/job';
import type { RequestManagerLink } from '../links';
import type { DispatchLatencyRecorder } from './dispatch-latency';
import type { DeliveryPolicy } from './log-delivery';
import { JobRunner } from './job-runner';

export { JobRunner, DEFAULT_ABANDON_AFTER_MS, TRAVERSER_ALREADY_EXISTS, TRAVERSER_NOT_FOUND } from './job-runner';
export type { JobRunnerOptions, CloseOptions, DrainOptions } from './job-runner';
export { jobRunnerRouter, type JobRunnerRouterOptions } from './http-api';
export { RequestManagerHttpLink, type RequestManagerHttpLinkOptions } from './rm-http-link';
export { DispatchLatencyRecorder } from './dispatch-latency';
export { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from './log-delivery';
export { InvalidChainError, planChain, type ChainPlan } from './chain-plan';
export { NOT_STARTED_AFTER_STOP } from './traverser';

export interface CreateJobRunnerOptions {
  factory: JobFactory;
  rm: RequestManagerLink;
  logger?: Logger;
  abandonAfterMs?: number;
  delivery?: Partial<DeliveryPolicy>;
  dispatchLatency?: DispatchLatencyRecorder;
  /** A stand-alone JR: chains can be handed back at shutdown (JobRunner.drain). */
  handBack?: boolean;
}

export function createJobRunner(opts: CreateJobRunnerOptions): JobRunner {
  return new JobRunner(opts);
}
