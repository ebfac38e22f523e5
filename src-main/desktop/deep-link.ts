// Deep links: `spincycle://<context>/requests/<id>` opens that request in the running console.
// Parsing and validation only (no electron): anything else is refused with a reason.

/** The URL scheme the app registers (app.setAsDefaultProtocolClient). */
export const PROTOCOL = 'spincycle';

export type DeepLink = { ok: true; context: string; requestId: string } | { ok: false; reason: string };

const CONTEXT_NAME = /^[\w.-]{1,64}$/;
const REQUEST_ID = /^[\w-]{1,200}$/;
const MAX_LENGTH = 512;

const refuse = (reason: string): DeepLink => ({ ok: false, reason });

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** Parses a deep link; the reason says what is wrong and what the form is. */
export function parseDeepLink(raw: string): DeepLink {
  const form = `expected ${PROTOCOL}://<context>/requests/<id>`;
  if (raw.length > MAX_LENGTH) return refuse(`link is longer than ${MAX_LENGTH} characters`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1];
  if (scheme?.toLowerCase() !== PROTOCOL) return refuse(`not a ${PROTOCOL}: link (${form})`);
  const match = /^[a-z]+:\/\/([^/?#]*)\/requests\/([^/?#]*)\/?([?#].*)?$/i.exec(raw);
  if (!match) return refuse(`unsupported ${PROTOCOL}: link (${form})`);
  if (match[3]) return refuse(`a link takes no query or fragment (${form})`);
  const context = decode(match[1] ?? '');
  const requestId = decode(match[2] ?? '');
  if (context === null || !CONTEXT_NAME.test(context)) {
    return refuse(`invalid context name in link: use 1-64 letters, digits, . _ - (${form})`);
  }
  if (requestId === null || !REQUEST_ID.test(requestId)) {
    return refuse(`invalid request id in link: use letters, digits, _ - (${form})`);
  }
  return { ok: true, context, requestId };
}

/** The first argument that looks like one of our links (Windows and Linux pass it in argv). */
export function findDeepLinkArg(argv: readonly string[]): string | null {
  const prefix = `${PROTOCOL}:`;
  return argv.find((arg) => arg.toLowerCase().startsWith(prefix)) ?? null;
}
