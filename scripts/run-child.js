// Runs a child process to completion for `npm start`, forwarding termination signals. With
// `watchStderr`, the child's stderr still reaches ours as it is written and its last part is
// kept, so the caller can tell why the child ended (start.js: Electron's sandbox failure).

import { spawn } from 'node:child_process';

const KEEP = 16 * 1024;

/**
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: NodeJS.ProcessEnv, watchStderr?: boolean }} [options]
 * @returns {Promise<{ code: number, stderr: string }>}
 */
export function run(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['inherit', 'inherit', options.watchStderr ? 'pipe' : 'inherit'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      process.stderr.write(chunk);
      stderr = (stderr + chunk.toString('utf8')).slice(-KEEP);
    });
    // Ctrl-C reaches the whole foreground process group, so the child already has SIGINT;
    // forwarding keeps SIGTERM (and SIGINT from `kill`) working too. Shutdown is idempotent.
    const forward = (signal) => {
      if (child.exitCode === null) child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolvePromise({ code: code ?? (signal ? 1 : 0), stderr });
    });
  });
}
