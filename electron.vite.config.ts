// electron-vite build of the desktop app: main (ESM, out/main/index.js), the sandboxed
// preload (one CommonJS file, out/preload/preload.cjs) and the Svelte renderer
// (out/renderer, same output as vite.renderer.config.ts).

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rolldownOptions: {
        // The console core's cache worker is an entry of its own, beside index.js (cache-host.ts).
        input: {
          index: resolve(root, 'src-main/desktop/main.ts'),
          'cache-worker': resolve(root, 'src-main/console/cache-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // Sandboxed preloads cannot load ES modules or sibling files: bundle everything
      // (shared/ipc.ts included) into a single CommonJS file.
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: resolve(root, 'src-main/desktop/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    base: './',
    plugins: [svelte({ configFile: false, compilerOptions: { runes: true } })],
    // The contract worker (src-renderer/lib/contract-worker.ts) is an ES module, like the page.
    worker: { format: 'es' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      target: 'chrome120',
      rolldownOptions: {
        input: { index: resolve(root, 'src-renderer/index.html') },
      },
    },
  },
});
