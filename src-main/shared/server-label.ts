// What a context's server speaks, in words for the console's context list and switcher and for
// `spincycle contexts`: the generation and version found when it was added or came back (v2
// servers say their version; 2017-protocol ones have none, and only ours lists its requests).

import type { ServerInfo } from './console-model';

/** `v2 · 2.1.1`, `2017 protocol · lists requests`, `2017 protocol (original)`; null when not known yet. */
export function serverLabel(server: ServerInfo | null | undefined): string | null {
  if (!server) return null;
  if (server.generation === 'v2') return server.version ? `v2 · ${server.version}` : 'v2';
  return server.canFind ? '2017 protocol · lists requests' : '2017 protocol (original)';
}

/** The short form for a menu: `v2.1.1`, `v2`, `2017`. */
export function serverTag(server: ServerInfo | null | undefined): string | null {
  if (!server) return null;
  if (server.generation === 'v2') return server.version ? `v${server.version}` : 'v2';
  return '2017';
}
