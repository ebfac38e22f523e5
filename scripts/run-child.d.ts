// Types for run-child.js (plain JS so `node scripts/start.js` needs no loader).

export function run(
  command: string,
  args: readonly string[],
  options?: { cwd?: string; env?: NodeJS.ProcessEnv; watchStderr?: boolean },
): Promise<{ code: number; stderr: string }>;
