// Lint rules, including the dependency direction between folders (docs/architecture.md,
// "Folders and dependencies"): shared <- everything; engine -> shared; console -> shared;
// desktop, web -> console, shared; src-renderer -> shared only. Only src-main/desktop may
// import electron. Production code never imports test support (test/, e2e/, bench/); tests
// (*.test.ts) may.
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noElectron = { name: 'electron', message: 'Only src-main/desktop may import electron.' };
const banned = (...groups) => ({
  'no-restricted-imports': ['error', { paths: [noElectron], patterns: groups }],
});
const folder = (name, why) => ({ group: [`**/${name}/**`, `**/${name}`], message: why });
// Its own rule (typescript-eslint's twin of no-restricted-imports), so the folder rules below,
// which set the core rule per folder, never override it.
const testSupport = {
  group: ['**/test/**', '**/e2e/**', '**/bench/**'],
  message: 'Production code never imports test support (test/, e2e/, bench/): only *.test.ts may.',
};
const restricted = (...patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });
// The contract's schemas are console main's: the renderer and the preload take its types and
// call by name (src-main/shared/bridge.ts), so zod stays out of their bundles.
const schemasTypesOnly = {
  group: ['**/shared/ipc', '**/shared/model-schemas', 'zod', 'zod/*'],
  allowTypeImports: true,
  message: 'The renderer and the preload import the contract as types only (zod stays in console main).',
};
const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'net'],
  message: 'shared/ and the renderer must stay runtime-neutral: no Node built-ins.',
};

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'playwright-report/', 'e2e-artifacts/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['src-main/shared/**/*.ts'],
    ignores: ['src-main/shared/**/*.test.ts'],
    rules: banned(
      nodeBuiltins,
      folder('engine', 'shared/ imports nothing outside shared/.'),
      folder('console', 'shared/ imports nothing outside shared/.'),
      folder('web', 'shared/ imports nothing outside shared/.'),
      folder('desktop', 'shared/ imports nothing outside shared/.'),
    ),
  },
  {
    files: ['src-main/engine/**/*.ts'],
    rules: banned(
      folder('console', 'The engine never imports console code.'),
      folder('web', 'The engine never imports the web bridge.'),
      folder('desktop', 'The engine never imports the desktop shell.'),
    ),
  },
  {
    files: ['src-main/console/**/*.ts'],
    rules: banned(
      folder('engine', 'The console talks to engines over HTTP only (use src-main/shared for types).'),
      folder('web', 'console/ must not depend on a transport.'),
      folder('desktop', 'console/ must not depend on the desktop shell.'),
    ),
  },
  {
    files: ['src-main/web/**/*.ts'],
    rules: banned(
      folder('desktop', 'web/ must not depend on the desktop shell.'),
      folder('engine', 'web/ reaches engines through console/.'),
    ),
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: banned(
      nodeBuiltins,
      folder('engine', 'The renderer only calls the typed contract.'),
      folder('console', 'The renderer only calls the typed contract.'),
      folder('web', 'The renderer only calls the typed contract.'),
      folder('desktop', 'The renderer only calls the typed contract.'),
    ),
  },
  {
    files: ['src-main/desktop/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['**/*.test.ts', 'src-main/desktop/preload.ts'],
    rules: restricted(testSupport),
  },
  {
    files: ['src-renderer/**/*.ts', 'src-renderer/**/*.svelte', 'src-main/desktop/preload.ts'],
    ignores: ['**/*.test.ts'],
    rules: restricted(testSupport, schemasTypesOnly),
  },
);
