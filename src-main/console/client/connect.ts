// Which protocol a context's server speaks, asked once per connection (when a context is added,
// and when it comes back after being unreachable), never guessed per call: `GET /version`
// answers 200 with a bare version on v2 servers and 404 on 2017 ones (docs/protocol/v2.md §10).
// A 2017-protocol server that answers `GET /api/v1/requests` is ours, which lists its requests;
// the original answers 405.

import type { ServerInfo } from '../../shared/console-model';
import { AdapterV2 } from './adapter-v2';
import { Adapter2017 } from './adapter-2017';
import type { RmApi } from './rm-api';
import { type Transport } from './transport';

/** Asks the server which generation it is. Unreachable, refused (401) or odd answers throw. */
export async function detectServer(transport: Transport): Promise<ServerInfo> {
  const version = await transport.send('GET', '/version');
  // A server that will not say who it is to this console (credentials) tells nothing of its kind.
  if (version.status === 401 || version.status === 403) throw transport.refusal('GET', '/version', version);
  const header = version.headers['x-spincycle-version'];
  if (version.status === 200 || typeof header === 'string') {
    const said = version.status === 200 ? version.text.trim() : '';
    return { generation: 'v2', version: said || (typeof header === 'string' ? header : null), canFind: true };
  }
  if (version.status !== 404) throw transport.refusal('GET', '/version', version);
  const find = await transport.send('GET', '/api/v1/requests?limit=1');
  if (find.status === 401 || find.status === 403) throw transport.refusal('GET', '/api/v1/requests', find);
  return { generation: '2017', version: null, canFind: find.status === 200 };
}

/** The adapter for a server whose generation is known. */
export function adapterFor(transport: Transport, server: ServerInfo): RmApi {
  return server.generation === 'v2' ? new AdapterV2(transport, server) : new Adapter2017(transport, server);
}
