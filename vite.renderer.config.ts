// Renderer-only build (Svelte app -> out/renderer) for the web mode and the e2e tests.
// The Electron build (electron.vite.config.ts) produces the same output for the desktop app.

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: resolve(import.meta.dirname, 'src-renderer'),
  base: './',
  plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
  // The contract worker (src-renderer/lib/contract-worker.ts) is an ES module, like the page.
  worker: { format: 'es' },
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
  },
});
