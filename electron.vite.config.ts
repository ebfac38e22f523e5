// `npm run build`: everything that runs, compiled to out/.
// - out/main: the Node side, ESM, sharing chunks: the Electron main (index.js), the `spincycle`
//   command and embedded engine (spincycle.js, run by bin/spincycle.js) and the web mode
//   (serve.js). Package dependencies stay external (loaded from node_modules).
// - out/preload/preload.cjs: the sandboxed preload, one CommonJS file.
// - out/renderer: the Svelte console, for the desktop window and the web mode.

import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // The command and the web mode run on the operator's Node (package.json "engines").
      target: 'node20.18',
      rolldownOptions: {
        input: {
          index: resolve(root, 'src-main/desktop/main.ts'),
          spincycle: resolve(root, 'src-main/spincycle.ts'),
          serve: resolve(root, 'src-main/web/serve.ts'),
          // The console core's cache worker (started by cache-host.ts, which looks for it here).
          'cache-worker': resolve(root, 'src-main/console/cache-worker.ts'),
        },
        // Shared chunks beside the entries: a path relative to import.meta.url means the same
        // in every file of out/main.
        output: { chunkFileNames: '[name]-[hash].js' },
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
        // No advice on slow plugins (the Svelte compiler on a busy machine) in `npm start`.
        checks: { bundlerTimings: false },
      },
    },
  },
});
