// The start form's value rule, shared by the form, its help text and the CLI preview:
// a value that parses as a JSON array or object is sent as that JSON (e.g. hosts =
// ["web1","web2"]); anything else is sent as the string typed, untouched.

import type { RequestArg, RequestSpec, JsonObject, JsonValue } from '../../src-main/shared/proto';

export const ARG_RULE_HELP =
  'Values are sent as text. A value that parses as a JSON list or object — e.g. ["web1","web2"] — is sent as JSON.';

export function argValue(text: string): JsonValue {
  const t = text.trim();
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      const parsed = JSON.parse(t) as JsonValue;
      if (parsed !== null && typeof parsed === 'object') return parsed;
    } catch {
      // not JSON: sent as typed
    }
  }
  return text;
}

/** Required args first, then optional ones, each group in spec order. */
export function orderedArgs(spec: RequestSpec): RequestArg[] {
  const args = spec.Args ?? [];
  return [...args.filter((a) => a.Required), ...args.filter((a) => !a.Required)];
}

export interface ArgProblem {
  readonly name: string;
  readonly message: string;
}

/** Checks values before sending: required ones non-empty, JSON-looking values valid JSON. */
export function validateArgs(spec: RequestSpec, values: Record<string, string>): ArgProblem[] {
  const problems: ArgProblem[] = [];
  for (const arg of spec.Args ?? []) {
    const v = (values[arg.Name] ?? '').trim();
    if (arg.Required && v === '') problems.push({ name: arg.Name, message: `${arg.Name} is required` });
    else if (/^[[{]/.test(v)) {
      try {
        JSON.parse(v);
      } catch {
        problems.push({ name: arg.Name, message: `${arg.Name} starts like JSON but does not parse` });
      }
    }
  }
  return problems;
}

/** The args object sent to createRequest: empty optional values are left out (the RM applies defaults). */
export function buildArgs(spec: RequestSpec, values: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const arg of spec.Args ?? []) {
    const v = values[arg.Name] ?? '';
    if (v.trim() === '') continue;
    out[arg.Name] = argValue(v);
  }
  return out;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `spincycle --context <ctx> start <type> key=value ...` for copying into a terminal. */
export function cliStart(context: string, type: string, args: JsonObject | null): string {
  const parts = ['spincycle', '--context', shellQuote(context), 'start', shellQuote(type)];
  for (const [k, v] of Object.entries(args ?? {})) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    parts.push(shellQuote(`${k}=${text}`));
  }
  return parts.join(' ');
}
