// A real MariaDB server for the tests and the cluster bench: Debian's `mariadbd` (package
// mariadb-server) on a free loopback port with a private data folder in the temp folder, never
// the system service. Its data folder is copied from a template made once by
// mariadb-install-db (kept in the temp folder, so later runs start in about a second); one
// server per test file, one database per test. A test that needs it fails, saying how to
// install the package, when it is not installed. SPINCYCLE_MARIADBD names another mariadbd.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { freePort } from './engine/integration/test-engine';

const SERVER_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd', '/usr/sbin/mysqld'];
const INSTALL_CANDIDATES = ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'];

export const MARIADB_MISSING =
  "MariaDB is not installed: this test runs a real mariadbd from Debian's mariadb-server package " +
  '(apt-get install -y mariadb-server; .ci/run installs it). It never uses the system service.';

function findBinary(candidates: readonly string[]): string {
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(MARIADB_MISSING);
  return found;
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The template data folder for this server version, made once. */
function template(server: string): string {
  const version = spawnSync(server, ['--version'], { encoding: 'utf8' }).stdout.match(/Ver (\S+)/)?.[1] ?? 'unknown';
  const dir = path.join(tmpdir(), `spincycle-mariadb-template-${version}`);
  if (existsSync(path.join(dir, 'ready'))) return dir;
  const building = `${dir}.${process.pid}.${Date.now()}`;
  const install = spawnSync(
    findBinary(INSTALL_CANDIDATES),
    [
      '--no-defaults',
      `--datadir=${building}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      ...(asRoot ? ['--user=root'] : []),
    ],
    { encoding: 'utf8' },
  );
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);
  writeFileSync(path.join(building, 'ready'), '');
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another test file made it first
  }
  return dir;
}

export interface TestMariadb {
  port: number;
  /** A new empty database and the URL of a user who may use it: mysql://spincycle:…@127.0.0.1:port/name. */
  createDatabase(): Promise<string>;
  /** Runs SQL as root (to look at or damage what the engine stored). */
  query<T = unknown>(sql: string, values?: unknown[]): Promise<T>;
  /** Kills the server (kill -9) and starts it again on the same folder and port. */
  restart(): Promise<void>;
  /** Kills the server (kill -9): the engine then cannot reach its database. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export const TEST_DB_USER = 'spincycle';
export const TEST_DB_PASSWORD = 'test-password-0123456789';

export async function startMariadb(): Promise<TestMariadb> {
  const chosen = process.env.SPINCYCLE_MARIADBD;
  const server = findBinary(chosen ? [chosen] : SERVER_CANDIDATES);
  const source = template(server);
  const dir = mkdtempSync(path.join(tmpdir(), 'spincycle-mariadb-'));
  const data = path.join(dir, 'data');
  cpSync(source, data, { recursive: true });
  const socket = path.join(dir, 'mysqld.sock');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const exited = () => child === undefined || child.exitCode !== null || child.signalCode !== null;
  const killNow = () => {
    if (!exited()) child?.kill('SIGKILL');
  };
  process.once('exit', killNow);

  const launch = async () => {
    child = spawn(
      server,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${path.join(dir, 'error.log')}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        '--innodb-flush-log-at-trx-commit=2',
        '--max-allowed-packet=256M',
        '--max-connections=500',
        ...(asRoot ? ['--user=root'] : []),
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited()) throw new Error(`mariadbd exited at start; see ${path.join(dir, 'error.log')}`);
      try {
        const conn = await mysql.createConnection({ socketPath: socket, user: 'root' });
        await conn.end();
        return;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`mariadbd did not answer within 30 s: ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const kill = () =>
    new Promise<void>((resolve) => {
      if (exited()) return resolve();
      child?.once('exit', () => resolve());
      child?.kill('SIGKILL');
    });

  await launch();
  const root = () => mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: false });
  const query = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
    const conn = await root();
    try {
      const [rows] = await conn.query(sql, values);
      return rows as T;
    } finally {
      await conn.end();
    }
  };
  await query(`CREATE USER IF NOT EXISTS '${TEST_DB_USER}'@'127.0.0.1' IDENTIFIED BY '${TEST_DB_PASSWORD}'`);
  await query(`GRANT ALL PRIVILEGES ON *.* TO '${TEST_DB_USER}'@'127.0.0.1'`);
  let databases = 0;

  return {
    port,
    async createDatabase() {
      const name = `t${++databases}_${process.pid}`;
      await query(`CREATE DATABASE \`${name}\``);
      return `mysql://${TEST_DB_USER}:${TEST_DB_PASSWORD}@127.0.0.1:${port}/${name}`;
    },
    query,
    async restart() {
      await kill();
      await launch();
    },
    kill,
    async stop() {
      await kill();
      process.off('exit', killNow);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
