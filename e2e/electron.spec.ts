// The real desktop app through Playwright's _electron: launches out/main (built here with
// electron-vite), checks version() over the preload, and that the renderer is locked down.
// Where the Electron runtime cannot start, the test is skipped with the reason printed.

import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { findDisplay, findElectronBinary } from '../scripts/electron-runtime.js';
import { CONTRACT_METHODS, type ConsoleApi } from '../src-main/shared/ipc';
import { PROJECT_ROOT } from './support/web-bridge';

const binary = findElectronBinary();
const display = findDisplay();

test.describe('desktop app (Electron)', () => {
  test.skip(!binary.ok, `${binary.ok ? '' : binary.reason}: cannot launch the desktop app`);
  test.skip(binary.ok && !display.ok, `Electron cannot open a window: ${display.ok ? '' : display.reason}`);

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    const { build } = await import('electron-vite');
    await build({ configFile: resolve(PROJECT_ROOT, 'electron.vite.config.ts'), logLevel: 'warn' });
    expect(existsSync(resolve(PROJECT_ROOT, 'out/main/index.js'))).toBe(true);
  });

  test('launches and answers version() through the preload', async () => {
    if (!binary.ok) return;
    // Chromium refuses to run as root with its sandbox on (containers, CI); elsewhere keep it.
    const args = process.getuid?.() === 0 ? [PROJECT_ROOT, '--no-sandbox'] : [PROJECT_ROOT];
    const app = await electron.launch({ executablePath: binary.path, args, cwd: PROJECT_ROOT });
    try {
      const window = await app.firstWindow();
      await expect(window.getByTestId('app-title')).toHaveText('Spin Cycle');
      await expect(window.getByTestId('version-runtime')).toContainText('electron');
      await expect(window.getByTestId('status-engine')).toHaveText('not started');

      const result = await window.evaluate(() => (window as unknown as { spincycle: ConsoleApi }).spincycle.version());
      expect(result).toMatchObject({ ok: true, value: { protocol: 'bca299b (2017-08-29)' } });

      // Exactly the contract is exposed, and no Node reaches the page.
      const exposed = await window.evaluate(() =>
        Object.keys((window as unknown as { spincycle: object }).spincycle).sort(),
      );
      expect(exposed).toEqual([...CONTRACT_METHODS, 'on'].sort());
      expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    } finally {
      await app.close();
    }
  });
});
