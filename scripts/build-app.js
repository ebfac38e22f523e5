// The one build, as `npm run build`: electron.vite.config.ts compiles the Electron main, the
// `spincycle` command and engine, the web mode, the preload and the renderer into out/.
// For the launcher and the test setups, which build before they run what ships.

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function buildApp() {
  const { build } = await import('electron-vite');
  await build({ configFile: resolve(root, 'electron.vite.config.ts'), logLevel: 'warn' });
}
