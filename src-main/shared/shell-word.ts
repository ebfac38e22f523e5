// Text as one word a POSIX shell reads back unchanged (for commands shown to copy and run).

export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `spincycle <target…> start <type> key=value …`; a value that is not text is written as JSON. */
export function startCommand(target: readonly string[], type: string, args: Record<string, unknown> | null): string {
  const parts = ['spincycle', ...target.map(shellWord), 'start', shellWord(type)];
  for (const [k, v] of Object.entries(args ?? {})) {
    parts.push(shellWord(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`));
  }
  return parts.join(' ');
}
