// Which web permissions the console page gets: writing to the clipboard (the Copy buttons), and
// nothing else (camera, microphone, geolocation, notifications — main shows its own — MIDI, USB,
// serial...). Applied to both permission requests and permission checks: Electron grants every
// check unless a check handler says otherwise. Only the console's own origin is ever granted.

import { isConsoleOrigin } from './renderer-origin';

const GRANTED: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function permissionGranted(permission: string, requestingUrl: string | undefined): boolean {
  return GRANTED.has(permission) && isConsoleOrigin(requestingUrl);
}
