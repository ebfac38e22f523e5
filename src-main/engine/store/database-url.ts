// Where the Request Manager keeps its data (`spincycle rm --db`):
// - `sqlite:PATH`: one SQLite file (the default: `<data>/spincycle.db`), for one RM;
// - `mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `mariadb://`): MariaDB >= 10.6 or MySQL 8,
//   which several RMs can share. The password may instead come from a file
//   (--db-password-file: the command line is public); user and password are URL-encoded.
// The form shown in messages never carries the password.

export type DatabaseLocation =
  | { kind: 'sqlite'; file: string }
  | {
      kind: 'mysql';
      host: string;
      port: number;
      user: string;
      password: string | undefined;
      database: string;
      /** The URL without the password, for messages. */
      where: string;
    };

export class DatabaseUrlError extends Error {
  override name = 'DatabaseUrlError';
}

const EXAMPLE = 'sqlite:/var/lib/spincycle/spincycle.db or mysql://spincycle@db.example.com:3306/spincycle';

export function parseDatabaseUrl(text: string): DatabaseLocation {
  if (text.startsWith('sqlite:')) {
    const file = text.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '') throw new DatabaseUrlError(`${text}: no file after sqlite: (e.g. ${EXAMPLE})`);
    return { kind: 'sqlite', file };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DatabaseUrlError(`not a database URL (expected e.g. ${EXAMPLE})`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new DatabaseUrlError(
      `${url.protocol.replace(/:$/, '')}: only sqlite: and mysql:// (or mariadb://) databases`,
    );
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '' || database.includes('/')) {
    throw new DatabaseUrlError(`the URL names no database (expected e.g. ${EXAMPLE})`);
  }
  if (url.username === '') throw new DatabaseUrlError(`the URL names no user (expected e.g. ${EXAMPLE})`);
  if (url.search !== '' || url.hash !== '') throw new DatabaseUrlError('the URL takes no ?options or #fragment');
  const port = url.port === '' ? 3306 : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const user = decodeURIComponent(url.username);
  return {
    kind: 'mysql',
    host,
    port,
    user,
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    database,
    where: `mysql://${url.username}@${url.host}/${url.pathname.replace(/^\//, '')}`,
  };
}
