// The SQL of `GET /api/v1/requests` (FindFilter) for both engine databases: the same query
// with positional parameters, apart from how an arg is read out of the stored params JSON.
// Paging runs on the requests table and its indexes alone (the inner select reads the params
// only when an arg is asked for), then reads just the rows of the page: a deep offset stays cheap.

import type { FindFilter } from './engine-store';
import { columns } from './rows';

export type SqlDialect = 'sqlite' | 'mysql';

export interface FindSql {
  /** The page: the request's columns and `params`, newest first. */
  page: { sql: string; values: unknown[] };
  /** How many match (limit and offset aside). */
  count: { sql: string; values: unknown[] };
}

/** No limit: the largest row count both databases take. */
const ALL_ROWS = Number.MAX_SAFE_INTEGER;

const requestColumnsOfR = columns.request
  .split(', ')
  .map((c) => `r.${c}`)
  .join(', ');

export function findSql(filter: FindFilter, dialect: SqlDialect): FindSql {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.type !== undefined) {
    where.push('r.type = ?');
    values.push(filter.type);
  }
  if (filter.user !== undefined) {
    where.push('r.`user` = ?');
    values.push(filter.user);
  }
  if (filter.states !== undefined) {
    where.push(`r.state IN (${filter.states.map(() => '?').join(', ')})`);
    values.push(...filter.states);
  }
  for (const [name, value] of filter.args) {
    const arg = argEquals(name, value, dialect);
    where.push(arg.sql);
    values.push(...arg.values);
  }
  if (filter.finishedAfterMs !== undefined) {
    where.push('(r.finished_at IS NULL OR r.finished_at > ?)');
    values.push(filter.finishedAfterMs);
  }
  if (filter.createdBeforeMs !== undefined) {
    where.push('r.created_at < ?');
    values.push(filter.createdBeforeMs);
  }
  const join = filter.args.length > 0 ? 'JOIN raw_requests p ON p.request_id = r.id' : '';
  const matching = `FROM requests r ${join} ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}`;
  return {
    page: {
      sql: `SELECT ${requestColumnsOfR}, p.params
            FROM (SELECT r.id, r.created_at ${matching}
                  ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?) AS page
            JOIN requests r ON r.id = page.id JOIN raw_requests p ON p.request_id = r.id
            ORDER BY page.created_at DESC, page.id DESC`,
      values: [...values, filter.limit ?? ALL_ROWS, filter.offset],
    },
    count: { sql: `SELECT COUNT(*) AS n ${matching}`, values },
  };
}

/**
 * The request was created with arg `name` equal to `value`: a text arg matches its text, any
 * other JSON value (a number, a list) its JSON (`5`, `["a","b"]`).
 */
function argEquals(name: string, value: string, dialect: SqlDialect): { sql: string; values: unknown[] } {
  const path = `$.Args.${JSON.stringify(name)}`;
  if (dialect === 'sqlite') {
    return {
      sql: `CASE json_type(p.params, ?) WHEN 'text' THEN p.params ->> ? ELSE p.params -> ? END = ?`,
      values: [path, path, path, value],
    };
  }
  // MariaDB keeps JSON as text: both sides go through JSON_EXTRACT so they are formatted alike
  // (MySQL compares the two JSON values). Text that is not JSON can only match a text arg.
  const text = `(JSON_TYPE(JSON_EXTRACT(p.params, ?)) = 'STRING' AND JSON_UNQUOTE(JSON_EXTRACT(p.params, ?)) = ?)`;
  if (!isJson(value)) return { sql: text, values: [path, path, value] };
  return {
    sql: `(${text} OR (JSON_TYPE(JSON_EXTRACT(p.params, ?)) <> 'STRING' AND JSON_EXTRACT(p.params, ?) = JSON_EXTRACT(?, '$')))`,
    values: [path, path, value, path, path, value],
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
