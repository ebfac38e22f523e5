// What the console keeps and shows, as plain serializable types shared by the console core
// (main process), the contract and the renderer. Wire types (proto.ts) stay as they are; these
// add where a record came from and how old it is.

import type { JobChain, JobStatus, JsonObject, State, Time } from './proto';

/** A Request Manager the console talks to (like a kubeconfig context). */
export interface Context {
  name: string;
  url: string;
  /** e.g. "production"; shown beside the name everywhere. */
  envLabel: string | null;
  /** CSS colour of the label, e.g. "#d32f2f". */
  envColor: string | null;
  /** The engine the console starts itself (its URL is filled in at start). */
  embedded: boolean;
}

/** Where a cached request came from. */
export type RequestOrigin = 'console' | 'seen' | 'imported';

export interface RequestRecord {
  context: string;
  id: string;
  type: string;
  state: State;
  user: string;
  createdAt: Time;
  startedAt: Time | null;
  finishedAt: Time | null;
  totalJobs: number;
  finishedJobs: number;
  /** The args it was created with, when known (requests created from this console, imports). */
  args: JsonObject | null;
  watched: boolean;
  origin: RequestOrigin;
  /** When the console last heard about it from its RM (ms since epoch). */
  syncedMs: number;
}

/** One try of one job, as cached. Times are Unix ms (exact ns are kept as strings). */
export interface JobLogRecord {
  requestId: string;
  jobId: string;
  try: number;
  type: string;
  /** Unix nanoseconds, as a decimal string (exact). "0" when the job never ran. */
  startedAt: string;
  finishedAt: string;
  state: State;
  exit: number;
  error: string;
  stdout: string;
  stderr: string;
}

export interface RequestFilter {
  context: string;
  states?: State[];
  types?: string[];
  users?: string[];
  /** created at or after (ms since epoch) */
  since?: number;
  /** created before (ms since epoch) */
  until?: number;
  /** free text: matched against id, type, user and args */
  text?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
}

export interface LogSearchHit {
  context: string;
  requestId: string;
  requestType: string;
  jobId: string;
  try: number;
  stream: 'stdout' | 'stderr' | 'error';
  /** the matching line, with the match marked by \u0001 ... \u0002 */
  snippet: string;
}

export interface RequestDetail {
  request: RequestRecord;
  chain: JobChain | null;
  statuses: JobStatus[];
}
