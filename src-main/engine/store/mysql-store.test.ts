// The MariaDB/MySQL EngineStore on a real mariadbd (test/support/mariadb.ts): the store
// contract, and what is its own: several RMs migrating one database at once, a URL's password
// never shown, the server going away and coming back.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { log, request, storeContract } from '../../../test/support/engine/store-contract';
import { startMariadb, TEST_DB_PASSWORD, type TestMariadb } from '../../../test/support/mariadb';
import { silentLogger } from '../log';
import { parseDatabaseUrl } from './database-url';
import { MysqlStore } from './mysql-store';
import { MYSQL_SCHEMA_VERSION } from './mysql-schema';
import { StorageError } from './storage-error';

let db: TestMariadb;
const stores: MysqlStore[] = [];
beforeAll(async () => {
  db = await startMariadb();
}, 120_000);
afterAll(async () => {
  for (const s of stores) await s.close().catch(() => {});
  await db?.stop();
});

const location = (url: string) =>
  parseDatabaseUrl(url) as Extract<ReturnType<typeof parseDatabaseUrl>, { kind: 'mysql' }>;

async function open(url?: string): Promise<MysqlStore> {
  const s = await MysqlStore.open(location(url ?? (await db.createDatabase())), silentLogger);
  stores.push(s);
  return s;
}

storeContract('MariaDB', () => open());

describe('MysqlStore', () => {
  it('migrates once when several RMs start on one new database at the same moment', async () => {
    const url = await db.createDatabase();
    const all = await Promise.all(Array.from({ length: 6 }, () => open(url)));
    const name = new URL(url).pathname.slice(1);
    expect(await db.query(`SELECT version FROM \`${name}\`.spincycle_schema`)).toEqual([
      { version: MYSQL_SCHEMA_VERSION },
    ]);
    await all[0]?.insertRequest(request('r1'), '{}', '{}');
    expect(await all[5]?.getRequest('r1')).toEqual(request('r1'));
  });

  it('refuses a database of a newer schema, and says so', async () => {
    const url = await db.createDatabase();
    await open(url);
    const name = new URL(url).pathname.slice(1);
    await db.query(`UPDATE \`${name}\`.spincycle_schema SET version = 99`);
    await expect(open(url)).rejects.toThrow(/schema version 99 is newer than this engine's/);
  });

  it('names the database without its password when it cannot open it', async () => {
    const url = (await db.createDatabase()).replace(TEST_DB_PASSWORD, 'wrong-password');
    const err = (await open(url).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(
      /^cannot open the engine database mysql:\/\/spincycle@127\.0\.0\.1:\d+\/t\d+_\d+: Access denied/,
    );
    expect(err.message).not.toContain('wrong-password');
  });

  it('a server that goes away: writes fail with a 503 naming the database, and work again once it is back', async () => {
    const s = await open();
    await s.insertRequest(request('r1'), '{}', '{}');
    await db.kill();
    const err = await s.insertJobLogs([log('r1', 'a@1', 1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err).toMatchObject({
      status: 503,
      message: expect.stringMatching(/^cannot write the engine database mysql:\/\/spincycle@/),
    });
    expect(s.failure).toMatchObject({ full: false });
    expect(await s.probe()).toBe(false);
    await expect(s.getRequest('r1')).rejects.toMatchObject({ status: 503 });
    await db.restart();
    expect(await s.probe()).toBe(true);
    expect(s.failure).toBeNull();
    expect(await s.insertJobLogs([log('r1', 'a@1', 1)])).toEqual(['stored']);
  });
});
