// Electron's launcher for the embedded engine: the engine script in a utilityProcess (Node
// inside Electron, its own OS process). Used by the packaged app; see engine-runtime.ts. The
// console's supervisor (embedded-engine.ts) watches it as it watches a Node child: its exits and
// last stderr line go through the same restart policy, which gives up on repeated identical
// failures and says why in the status line.

import { utilityProcess } from 'electron';
import type { EngineLauncher } from '../console/embedded-engine';

export function utilityLauncher(): EngineLauncher {
  return ({ script, args, cwd }) => {
    const child = utilityProcess.fork(script, [...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      serviceName: 'Spin Cycle engine',
    });
    const listeners: Array<(why: string) => void> = [];
    let ended: string | null = null;
    const end = (why: string): void => {
      if (ended !== null) return;
      ended = why;
      for (const l of listeners.splice(0)) l(why);
    };
    child.on('exit', (code) => end(`exited with code ${code}`));
    child.on('error', (type, location) => end(`failed (${type} at ${location})`));
    return {
      get pid() {
        return child.pid;
      },
      stderr: child.stderr,
      kill(signal) {
        if (ended !== null) return;
        // utilityProcess.kill() sends SIGTERM; a forced stop goes to the process itself.
        if (signal === 'SIGKILL' && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
        else child.kill();
      },
      onExit(listener) {
        if (ended !== null) listener(ended);
        else listeners.push(listener);
      },
    };
  };
}
