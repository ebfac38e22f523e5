// The typed contract between the renderer (untrusted UI) and console main.
// One list of methods the renderer may call and one map of events main pushes; both
// transports (Electron IPC, web bridge over WebSocket) are generic over these.
// Runtime-neutral: imports only from shared/.

import type {
  ConsoleSettings,
  Context,
  ContextAuth,
  ContextProbe,
  ContextStatus,
  ImportResult,
  JobLogRecord,
  JobLogSummary,
  JobLogText,
  JobStatusRecord,
  LiveOutputState,
  LogSearchHit,
  Page,
  RequestDetail,
  RequestFilter,
  RequestNotification,
  RequestPage,
  RequestRecord,
  RequestRef,
  RequestsChanged,
  RequestType,
  RequestUpdated,
  TrayModel,
} from './console-model';
import type { JsonObject } from './proto';
import type { Result } from './result';

/** What `version()` reports: which console, which wire protocol, which runtime hosts main. */
export interface VersionInfo {
  /** Console application version (package.json). */
  readonly app: string;
  /** Revision of the original Spin Cycle protocol we are wire-compatible with. */
  readonly protocol: string;
  /** Where console main runs, e.g. "node 20.20.2" or "electron 45.5.0 / chrome 140.0". */
  readonly runtime: string;
}

/** Lifecycle of the embedded engine (the child process console main may start). */
export type EmbeddedEngineState = 'not-started' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** Pushed when console main's state changes and as a periodic heartbeat. */
export interface StatusEvent {
  readonly embeddedEngine: EmbeddedEngineState;
  /**
   * Why the embedded engine is `failed` (what happened, with its last log line, and whether it
   * is being restarted or the console stopped trying); null in every other state.
   */
  readonly engineDetail: string | null;
  /** ISO-8601 time at which main produced this status. */
  readonly time: string;
}

/**
 * Main asks the window to show one request: a click on the tray menu or on a notification, or a
 * `spincycle://<context>/requests/<id>` link. The renderer opens that request's view.
 */
export interface NavigateEvent {
  readonly context: string;
  readonly requestId: string;
}

/** Methods: name -> positional argument tuple and success value. */
export interface ContractMethods {
  version: { args: []; value: VersionInfo };

  // contexts (Request Managers)
  contexts: { args: []; value: Context[] };
  contextStatuses: { args: []; value: ContextStatus[] };
  /**
   * Adds or edits a context; `previousName` renames one. `headerValues` are its auth headers'
   * values (secrets: kept outside the cache, never sent back); null keeps the stored ones.
   */
  putContext: {
    args: [context: Context, previousName?: string | null, headerValues?: Record<string, string> | null];
    value: Context;
  };
  removeContext: { args: [name: string]; value: null };
  /**
   * Asks a Request Manager URL what it speaks and for its request types, once: does it answer,
   * and if not, why. With `auth`, as the context would ask (header values given, else those kept
   * for the context `name`).
   */
  probeContext: {
    args: [url: string, auth?: ContextAuth | null, headerValues?: Record<string, string> | null, name?: string | null];
    value: ContextProbe;
  };

  // reading (from the cache: works offline; the list from a server that lists its requests)
  listRequests: { args: [filter: RequestFilter, offset: number, limit: number]; value: RequestPage };
  /** Opens a request: synced every second while open, fetched now if the RM answers. */
  openRequest: { args: [context: string, id: string]; value: RequestDetail };
  closeRequest: { args: [context: string, id: string]; value: null };
  getRequest: { args: [context: string, id: string]; value: RequestDetail };
  /** Job statuses sorted by runtime, longest first (JobStatusByRuntime). */
  jobStatuses: { args: [context: string, id: string]; value: JobStatusRecord[] };
  /** A page of job logs (every try), ordered by job id then try. */
  jobLogs: { args: [context: string, id: string, offset: number, limit: number]; value: Page<JobLogRecord> };
  /** A page of job log summaries (every try, no texts), ordered by job id then try. */
  jobLogSummaries: {
    args: [context: string, id: string, offset: number, limit: number];
    value: Page<JobLogSummary>;
  };
  /**
   * A slice of one stream of one try: characters [offset, offset + length). A try whose log is
   * not cached yet reads as far as it was followed (`live`: the total grows).
   */
  jobLogText: {
    args: [
      context: string,
      id: string,
      jobId: string,
      tryN: number,
      stream: 'stdout' | 'stderr',
      offset: number,
      length: number,
    ];
    value: JobLogText;
  };
  /** Every try of one job. */
  jobLogsOfJob: { args: [context: string, id: string, jobId: string]; value: JobLogRecord[] };
  /**
   * Follows (or stops following) a running job's output: while followed, `liveOutput` events
   * say how far it has come (jobLogText reads it). Returns where it stands (what was followed
   * before, offline).
   */
  followJob: {
    args: [context: string, id: string, jobId: string, following: boolean];
    value: LiveOutputState | null;
  };
  /** Full-text search over every cached log, newest first. */
  searchLogs: { args: [text: string, offset: number, limit: number]; value: LogSearchHit[] };
  /** The context's request types and their args (the last answer is kept for offline use). */
  requestList: { args: [context: string]; value: RequestType[] };

  // acting (through the context's Request Manager)
  createRequest: { args: [context: string, type: string, args: JsonObject]; value: RequestRecord };
  stopRequest: { args: [context: string, id: string]; value: RequestRecord | null };
  watch: { args: [context: string, id: string, watched: boolean]; value: null };

  // export / import
  /** The text of one export file holding the given requests. */
  exportRequests: { args: [refs: RequestRef[]]; value: string };
  /** Imports an export file's text into contexts named after their source; the requests are read-only. */
  importRequests: { args: [text: string]; value: ImportResult };

  // settings and tray
  settings: { args: []; value: ConsoleSettings };
  updateSettings: { args: [patch: Partial<ConsoleSettings>]; value: ConsoleSettings };
  trayModel: { args: []; value: TrayModel };
}

/** Events: name -> payload. */
export interface ContractEvents {
  status: StatusEvent;
  /** A context went offline or came back. */
  contextStatus: ContextStatus;
  /** Requests of a context were added or changed (state, progress). */
  requestsChanged: RequestsChanged;
  /** Parts of a request the operator has open were refreshed in the cache. */
  requestUpdated: RequestUpdated;
  /** A followed job's try moved on: more output, a new status, its end. */
  liveOutput: LiveOutputState;
  /** A watched request changed state: exactly one per change. */
  notification: RequestNotification;
  tray: TrayModel;
  /** Show this request (desktop shell only: tray, notification click, deep link). */
  navigate: NavigateEvent;
}

export type MethodName = keyof ContractMethods;
export type EventName = keyof ContractEvents;
export type MethodArgs<M extends MethodName> = ContractMethods[M]['args'];
export type MethodValue<M extends MethodName> = ContractMethods[M]['value'];

// Record<Name, true> makes the compiler reject a missing or extra name, so the runtime
// lists below can never drift from the interfaces above.
const METHOD_TABLE: Record<MethodName, true> = {
  version: true,
  contexts: true,
  contextStatuses: true,
  putContext: true,
  removeContext: true,
  probeContext: true,
  listRequests: true,
  openRequest: true,
  closeRequest: true,
  getRequest: true,
  jobStatuses: true,
  jobLogs: true,
  jobLogsOfJob: true,
  jobLogSummaries: true,
  jobLogText: true,
  followJob: true,
  searchLogs: true,
  requestList: true,
  createRequest: true,
  stopRequest: true,
  watch: true,
  exportRequests: true,
  importRequests: true,
  settings: true,
  updateSettings: true,
  trayModel: true,
};
const EVENT_TABLE: Record<EventName, true> = {
  status: true,
  contextStatus: true,
  requestsChanged: true,
  requestUpdated: true,
  liveOutput: true,
  notification: true,
  tray: true,
  navigate: true,
};

/** Events that describe a moment rather than a state: never replayed to a late subscriber. */
export const TRANSIENT_EVENTS: ReadonlySet<EventName> = new Set<EventName>([
  'notification',
  'requestsChanged',
  'requestUpdated',
  'liveOutput',
  'navigate',
]);

/** Every method name, at runtime (the preload and the transports enumerate it). */
export const CONTRACT_METHODS: readonly MethodName[] = Object.freeze(Object.keys(METHOD_TABLE) as MethodName[]);
/** Every event name, at runtime. */
export const CONTRACT_EVENTS: readonly EventName[] = Object.freeze(Object.keys(EVENT_TABLE) as EventName[]);

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHOD_TABLE, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENT_TABLE, name);
}

/** Listener for one event; the returned function unsubscribes. */
export type Unsubscribe = () => void;
export type EventListener<E extends EventName> = (payload: ContractEvents[E]) => void;

/**
 * The API the renderer sees: one async function per method, plus `on` for events.
 * Electron's preload exposes exactly this as `window.spincycle`; the web transport
 * implements the same shape over a WebSocket.
 */
export type ConsoleApi = {
  readonly [M in MethodName]: (...args: MethodArgs<M>) => Promise<Result<MethodValue<M>>>;
} & {
  on<E extends EventName>(event: E, listener: EventListener<E>): Unsubscribe;
};

/** Name of the global the Electron preload defines in the renderer's main world. */
export const PRELOAD_GLOBAL = 'spincycle';

// ---- Electron IPC channel names -------------------------------------------------------

export function methodChannel(method: MethodName): string {
  return `spincycle:call:${method}`;
}

export function eventChannel(event: EventName): string {
  return `spincycle:event:${event}`;
}

// ---- Web bridge frames (JSON over WebSocket) ------------------------------------------

/** Path of the WebSocket endpoint on the web bridge's HTTP server. */
export const WEB_SOCKET_PATH = '/ws';
/** Query parameter carrying the per-run token (page URL and WebSocket URL). */
export const WEB_TOKEN_PARAM = 'token';

export type CallId = number | string;

/** Renderer -> main. */
export interface CallFrame {
  readonly id: CallId;
  readonly method: string;
  readonly args: readonly unknown[];
}

/** Main -> renderer, answering one call. `id` is null when the frame could not be read. */
export interface ReplyFrame {
  readonly id: CallId | null;
  readonly result: Result<unknown>;
}

/** Main -> renderer, unsolicited. */
export interface EventFrame<E extends EventName = EventName> {
  readonly event: E;
  readonly payload: ContractEvents[E];
}

/** Any one event frame, discriminated by `event`. */
export type AnyEventFrame = { [E in EventName]: EventFrame<E> }[EventName];
