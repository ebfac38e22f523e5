// Engine logging: one line per event on stderr, `<time> <component> <level> <message> k=v ...`,
// so `spincycle server 2>&1 | grep` works and a supervisor can collect it.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function formatValue(v: string | number | boolean | null): string {
  const s = String(v);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

export function formatLine(component: string, level: string, message: string, fields: LogFields = {}): string {
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v as string | number | boolean | null)}`);
  return [new Date().toISOString(), component, level, message, ...kv].join(' ');
}

/** A logger writing to `write` (stderr by default). */
export function createLogger(
  component: string,
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Logger {
  return {
    info: (m, f) => write(formatLine(component, 'info', m, f)),
    warn: (m, f) => write(formatLine(component, 'warn', m, f)),
    error: (m, f) => write(formatLine(component, 'error', m, f)),
  };
}

/** A logger that drops everything (tests, benches). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
