// The zod schemas of the console-model values the contract checks (src-main/shared/ipc.ts): a
// context and its auth, a requests filter, the settings, request references and what an import
// did. Each is the one definition of its value: console-model.ts takes the TypeScript types from
// here (z.infer), so a type and its check cannot drift apart.

import { z } from 'zod';
import { MAX_REQUEST_ID } from './console-model';
import type { JsonObject, JsonValue } from './proto';

/** Any JSON value (integers past 2^53 as bigints, as wire-json.ts reads and writes them). */
export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.bigint(), z.string(), z.array(jsonValue), jsonObject]),
);
export const jsonObject: z.ZodType<JsonObject> = z.record(z.string(), jsonValue);

/** A context's name: letters, digits, `.`, `_`, `-`. */
export const contextName = z
  .string()
  .regex(/^[\w.-]{1,64}$/, 'a context name uses letters, digits, . _ - (at most 64)');
/** Any name the contract takes (a context, possibly not yet valid for a new one). */
export const name = z.string().min(1).max(200);
export const requestId = z.string().min(1).max(MAX_REQUEST_ID);
/** A Request Manager's address. */
export const rmUrl = z.url({ protocol: /^https?$/ });
const filePath = z.string().min(1).max(4096).nullable();

/**
 * How a context proves who it is to its server: only what is not secret. The values of its
 * headers are secrets, kept outside the cache (console/credentials.ts).
 */
export const contextAuth = z.strictObject({
  /** Names of headers sent with every call, e.g. `Authorization`. */
  headers: z.array(z.string().min(1).max(100)).max(20),
  /** A PEM file of certificate authorities to trust instead of the system's. */
  caFile: filePath,
  /** PEM files of a client certificate and its key (the key readable by its owner only). */
  certFile: filePath,
  keyFile: filePath,
});

/** A Request Manager the console talks to (like a kubeconfig context). */
export const context = z.strictObject({
  name: contextName,
  url: rmUrl,
  /** e.g. "production"; shown beside the name everywhere. */
  envLabel: z.string().max(40).nullable(),
  /** CSS colour of the label, e.g. "#d32f2f". */
  envColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{3,8}$/, 'a colour like #d32f2f')
    .nullable(),
  /** The engine the console starts itself (its URL is filled in at start). */
  embedded: z.boolean(),
  /** How it proves who it is, when its server asks (none when absent). */
  auth: contextAuth.nullish(),
});

/** Which requests of a context the list shows. */
export const requestFilter = z.strictObject({
  context: name,
  states: z.array(z.number().int().min(0).max(255)).optional(),
  types: z.array(z.string().max(500)).max(1000).optional(),
  users: z.array(z.string().max(500)).max(1000).optional(),
  /** created at or after (ms since epoch) */
  since: z.number().optional(),
  /** created before (ms since epoch) */
  until: z.number().optional(),
  /** free text: matched against id, type, user and args */
  text: z.string().max(500).optional(),
});

/** Console preferences, persisted in the cache. */
export const consoleSettings = z.strictObject({
  intervals: z.strictObject({
    /** requests the operator is looking at */
    viewedMs: z.number().int().min(200).max(3_600_000),
    /** the running list and watched requests */
    otherMs: z.number().int().min(500).max(3_600_000),
    /** longest wait between tries while offline */
    maxBackoffMs: z.number().int().min(1000).max(3_600_000),
  }),
  notifications: z.boolean(),
  theme: z.enum(['light', 'dark', 'system']),
});

/** A change to the settings: any of them, and any of the intervals. */
export const settingsPatch = z
  .strictObject({
    ...consoleSettings.shape,
    intervals: consoleSettings.shape.intervals.partial(),
  })
  .partial();

/** One request of one context. */
export const requestRef = z.strictObject({ context: name, id: requestId });

/**
 * What an import did: the requests it stored (in contexts named after their source, which no
 * context the contract takes may be), and how many it skipped as already imported.
 */
export const importResult = z.strictObject({
  imported: z.array(z.strictObject({ context: z.string(), id: z.string() })),
  /** Requests the cache already held as imported, with the same state and logs. */
  skipped: z.number().int().min(0),
});
