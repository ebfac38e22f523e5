// `--json` output: the console model as JSON, the same shape whichever protocol the server
// speaks. Unix-nanosecond times (bigints) are written as exact integers.

const BIG = '\u0000big:';

export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${BIG}${v}` : v));
  return text.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}
