// The start form's value rule, shared by the form, its help text and the CLI preview:
// a value that parses as a JSON array or object is sent as that JSON (e.g. hosts =
// ["web1","web2"]); anything else is sent as the string typed, untouched. And the form's
// problems in words, on the field they belong to: a required value missing, JSON that breaks
// (where and how, found with jsonc-parser's scanner), and the RM's refusal of a value. The form
// is made from a request type in the console model (any server's): a caller sets its required
// and optional args; static ones (v2) are the spec's and not shown.

import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { RequestType, RequestTypeArg } from '../../src-main/shared/console-model';
import type { JsonObject, JsonValue } from '../../src-main/shared/proto';

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

/** The args a caller sets: required ones first, then optional ones, each group in spec order. */
export function orderedArgs(type: RequestType): RequestTypeArg[] {
  return [...type.args.filter((a) => a.kind === 'required'), ...type.args.filter((a) => a.kind === 'optional')];
}

/** A value as the form shows it: text as it is, any other JSON (v2 defaults) as JSON; none is ''. */
export function valueText(value: JsonValue | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The form's first values: the args given (a request run again), else each optional arg's
 * default, so the operator sees what will be used.
 */
export function initialValues(type: RequestType, given: JsonObject | null = null): Record<string, string> {
  return Object.fromEntries(
    orderedArgs(type).map((a) => [a.name, valueText(given && a.name in given ? given[a.name] : a.default)]),
  );
}

export interface ArgProblem {
  readonly name: string;
  readonly message: string;
  /** Where in the typed value it goes wrong (a character index), when known. */
  readonly at?: number;
  /** The Request Manager's own words, when it refused the value. */
  readonly rm?: string;
}

/** One arg's value: required ones non-empty, JSON-looking ones valid JSON (with where it breaks). */
export function validateArg(arg: RequestTypeArg, text: string): ArgProblem | null {
  const t = text.trim();
  if (arg.kind === 'required' && t === '') return { name: arg.name, message: `${arg.name} is required` };
  if (!/^[[{]/.test(t)) return null;
  const bad = jsonError(t);
  if (!bad) {
    try {
      JSON.parse(t);
      return null;
    } catch (e) {
      return { name: arg.name, message: `${arg.name} is not valid JSON: ${(e as Error).message}` };
    }
  }
  const at = text.indexOf(t) + bad.offset;
  return { name: arg.name, message: `${arg.name} is not valid JSON: ${bad.words} at character ${at + 1}`, at };
}

/** Checks values before sending. */
export function validateArgs(type: RequestType, values: Record<string, string>): ArgProblem[] {
  return orderedArgs(type).flatMap((arg) => validateArg(arg, values[arg.name] ?? '') ?? []);
}

const JSON_ERRORS: Partial<Record<string, string>> = {
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'a key in double quotes expected',
  ValueExpected: 'a value expected',
  ColonExpected: 'a colon expected',
  CommaExpected: 'a comma expected',
  CloseBraceExpected: 'a closing } expected',
  CloseBracketExpected: 'a closing ] expected',
  EndOfFileExpected: 'nothing more expected',
  InvalidCommentToken: 'a comment (JSON has none)',
  UnexpectedEndOfComment: 'an unclosed comment',
  UnexpectedEndOfString: 'a string without its closing "',
  UnexpectedEndOfNumber: 'a number cut off',
  InvalidUnicode: 'a bad \\u escape',
  InvalidEscapeCharacter: 'a bad escape',
  InvalidCharacter: 'a control character in a string',
};

/** The first error of a JSON text, in words, and its offset; null when it parses. */
export function jsonError(text: string): { words: string; offset: number } | null {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return null;
  const code = printParseErrorCode(first.error);
  if (code !== 'InvalidSymbol') return { words: JSON_ERRORS[code] ?? code, offset: first.offset };
  const symbol = /^[^\s,:[\]{}"]+/.exec(text.slice(first.offset))?.[0] ?? text.charAt(first.offset);
  const words = /^[a-z_]/i.test(symbol)
    ? `${symbol} is not in double quotes (text in JSON is written "${symbol}")`
    : `unexpected ${symbol}`;
  return { words, offset: first.offset };
}

const GO_KINDS: Record<string, string> = { string: 'text', float64: 'a number', bool: 'true or false' };

/**
 * The RM's refusal of a create, as a problem of the field it names ("each:hosts:host: arg hosts
 * is a string, expected a slice" → hosts must be a JSON list), or null when it names no field of
 * the form.
 */
export function rmArgProblem(type: RequestType, rmMessage: string): ArgProblem | null {
  const names = new Set(orderedArgs(type).map((a) => a.name));
  const field = (name: string | undefined, message: (n: string) => string): ArgProblem | null =>
    name && names.has(name) ? { name, message: message(name), rm: rmMessage } : null;
  const listHint = 'write it as a JSON list, e.g. ["web1","web2"]';
  let m = /\barg (\S+) is an? (\S+(?: \{\})?), expected a slice/.exec(rmMessage);
  if (m) {
    const kind = GO_KINDS[m[2] ?? ''] ?? (m[2]?.startsWith('map') ? 'an object' : m[2]);
    return field(m[1], (n) => `${n} must be a list, but the Request Manager got ${kind}: ${listHint}`);
  }
  m = /\barg (\S+) is null, expected a slice/.exec(rmMessage);
  if (m) return field(m[1], (n) => `${n} must be a list, but the Request Manager got none: ${listHint}`);
  m = /\barg (\S+) is an empty list/.exec(rmMessage);
  if (m) return field(m[1], (n) => `${n} is an empty list: give it at least one item`);
  m = /\bmissing arg (\S+)/.exec(rmMessage) ?? /\bmissing (\S+) from job args/.exec(rmMessage);
  if (m) return field(m[1], (n) => `${n} is required by the Request Manager`);
  return null;
}

/**
 * The args object sent to createRequest: empty values and optional values left at their default
 * are left out (the RM applies its defaults itself, as the JSON they are).
 */
export function buildArgs(type: RequestType, values: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const arg of orderedArgs(type)) {
    const v = values[arg.name] ?? '';
    if (v.trim() === '') continue;
    if (arg.kind === 'optional' && arg.default !== null && v === valueText(arg.default)) continue;
    out[arg.name] = valueLike(v, arg.default);
  }
  return out;
}

/** A value typed for an arg whose default is a number or true/false (v2): sent as that kind when it reads as one. */
function valueLike(text: string, like: JsonValue | null): JsonValue {
  const t = text.trim();
  if (typeof like === 'number' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (typeof like === 'boolean' && (t === 'true' || t === 'false')) return t === 'true';
  return argValue(text);
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
