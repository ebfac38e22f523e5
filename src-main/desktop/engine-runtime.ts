// Which runtime runs the embedded engine when console main is Electron. The engine loads
// better-sqlite3 from node_modules without a nativeBinding, so it must run on the runtime that
// binary was built for:
// - development (`npm start`): node_modules holds the Node build (the one `npm test` uses), so
//   the engine runs on Node: $SPINCYCLE_NODE (start.js sets it to the Node running npm), else
//   `node` on PATH, started with child_process.spawn;
// - packaged app: the packaging hook put the Electron build in the app's node_modules and there
//   may be no Node installed, so the engine runs in Electron's utilityProcess.
// $SPINCYCLE_ENGINE_RUNTIME=node|utility overrides the choice.
// Either runtime runs the compiled `spincycle` entry (engineEntry), never TypeScript sources.

import path from 'node:path';

/** The compiled `spincycle` process (an input of electron.vite.config.ts), from the app's root. */
export const ENGINE_ENTRY = 'out/main/spincycle.js';

/**
 * The script the embedded engine process runs. `filesRoot` is the project in development and
 * app.asar.unpacked in the packaged app (electron-builder.yml unpacks out/main for the engine).
 */
export function engineEntry(filesRoot: string): string {
  return path.join(filesRoot, ENGINE_ENTRY);
}

export type EngineRuntime =
  { kind: 'node'; nodePath: string; why: string } | { kind: 'utility'; why: string } | { kind: 'none'; why: string };

export interface RuntimeFacts {
  isPackaged: boolean;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  /** Whether a file exists and is executable (injected for tests). */
  isExecutable: (file: string) => boolean;
}

/** `node` (node.exe on Windows) on PATH, or null. */
export function findNodeOnPath(facts: RuntimeFacts): string | null {
  const dirs = (facts.env.PATH ?? facts.env.Path ?? '').split(facts.platform === 'win32' ? ';' : ':');
  const exe = facts.platform === 'win32' ? 'node.exe' : 'node';
  const join = facts.platform === 'win32' ? path.win32.join : path.posix.join;
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, exe);
    if (facts.isExecutable(candidate)) return candidate;
  }
  return null;
}

function nodeRuntime(facts: RuntimeFacts): EngineRuntime | null {
  const fromEnv = facts.env.SPINCYCLE_NODE;
  if (fromEnv && facts.isExecutable(fromEnv)) {
    return { kind: 'node', nodePath: fromEnv, why: `Node from SPINCYCLE_NODE (${fromEnv})` };
  }
  const onPath = findNodeOnPath(facts);
  return onPath ? { kind: 'node', nodePath: onPath, why: `Node on PATH (${onPath})` } : null;
}

export function chooseEngineRuntime(facts: RuntimeFacts): EngineRuntime {
  const forced = facts.env.SPINCYCLE_ENGINE_RUNTIME;
  if (forced === 'utility') return { kind: 'utility', why: 'SPINCYCLE_ENGINE_RUNTIME=utility' };
  if (forced === 'node') {
    return (
      nodeRuntime(facts) ?? {
        kind: 'none',
        why: 'SPINCYCLE_ENGINE_RUNTIME=node but no Node.js was found (set SPINCYCLE_NODE or PATH)',
      }
    );
  }
  if (facts.isPackaged) {
    return { kind: 'utility', why: "packaged app: Electron's utilityProcess with the app's Electron build" };
  }
  return (
    nodeRuntime(facts) ?? {
      kind: 'none',
      why:
        'no Node.js found for the embedded engine (its better-sqlite3 is the Node build); ' +
        'set SPINCYCLE_NODE or put node on PATH, or add a remote context',
    }
  );
}
