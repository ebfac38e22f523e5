// What the installers declare, checked against electron-builder.yml and electron-builder's own
// code: the app id Windows notifications need, the Linux .desktop entry (named after desktopName,
// one MimeType for spincycle://), the NSIS include registering and removing the scheme; and the
// application menu with Help → "Open log folder".

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_ID, appUserModelId } from './app-identity';
import { appMenuTemplate } from './app-menu';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The parts of electron-builder.yml these tests read. */
interface BuilderConfig {
  appId: string;
  productName: string;
  executableName: string;
  extraMetadata: { desktopName: string };
  linux: Record<string, unknown>;
  nsis: { include: string };
}
const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;

describe('app identity', () => {
  it('is the appId the installers use, in a packaged app; the executable in development', () => {
    expect(APP_ID).toBe(config.appId);
    expect(appUserModelId({ isPackaged: true, execPath: 'C:\\Program Files\\Spin Cycle\\spincycle-console.exe' })).toBe(
      APP_ID,
    );
    expect(appUserModelId({ isPackaged: false, execPath: 'C:\\w\\electron.exe' })).toBe('C:\\w\\electron.exe');
  });
});

describe('the Linux .desktop entry electron-builder writes', () => {
  // electron-builder's own code, given this project's configuration (the rest of its packager
  // is not needed to compute the entry).
  const require = createRequire(import.meta.url);
  const { LinuxTargetHelper } = require('app-builder-lib/out/targets/LinuxTargetHelper.js') as {
    LinuxTargetHelper: new (packager: unknown) => {
      computeDesktopEntry(options: unknown): Promise<string>;
      getDesktopFileName(): string;
    };
  };
  const helper = new LinuxTargetHelper({
    info: { metadata: { ...pkg, ...config.extraMetadata } },
    platformSpecificBuildOptions: config.linux,
    config,
    fileAssociations: [],
    appInfo: {
      productName: config.productName,
      sanitizedProductName: config.productName,
      description: pkg.description,
    },
    executableName: config.executableName,
  });

  it('is named after desktopName, which is the window class too', async () => {
    expect(config.extraMetadata.desktopName).toBe('spincycle-console.desktop');
    expect(helper.getDesktopFileName()).toBe('spincycle-console');
    expect(await helper.computeDesktopEntry(config.linux)).toContain('\nStartupWMClass=spincycle-console\n');
  });

  it('declares spincycle:// once', async () => {
    const entry = await helper.computeDesktopEntry(config.linux);
    expect(entry.match(/^MimeType=.*$/m)?.[0]).toBe('MimeType=x-scheme-handler/spincycle;');
    expect(entry).toContain('\nExec="/opt/Spin Cycle/spincycle-console" %U\n');
  });
});

describe('the Windows installer', () => {
  it('registers spincycle:// when installing and removes it when uninstalling (not on update)', () => {
    const include = path.join(root, config.nsis.include);
    expect(existsSync(include)).toBe(true);
    const nsh = readFileSync(include, 'utf8');
    const install = /!macro customInstall([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
    expect(install).toContain('WriteRegStr SHCTX "Software\\Classes\\spincycle" "URL Protocol" ""');
    expect(install).toContain(
      'WriteRegStr SHCTX "Software\\Classes\\spincycle\\shell\\open\\command" "" \'"$appExe" "%1"\'',
    );
    const uninstall = /!macro customUnInstall([\s\S]*?)!macroend/.exec(nsh)?.[1] ?? '';
    expect(uninstall).toMatch(/\$\{ifNot\} \$\{isUpdated\}\s+DeleteRegKey SHCTX "Software\\Classes\\spincycle"/);
  });
});

describe('the application menu', () => {
  const clicked: string[] = [];
  const actions = {
    openLogFolder: () => clicked.push('log'),
    openDataFolder: () => clicked.push('data'),
    reloadConsole: () => clicked.push('reload'),
  };
  const submenu = (items: MenuItemConstructorOptions[], role: string) =>
    items.find((i) => i.role === role || i.label === role)?.submenu as MenuItemConstructorOptions[];

  it('has Help → Open log folder, and Edit (copy and paste need it on macOS)', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const menu = appMenuTemplate(platform, actions);
      expect(menu.map((i) => i.role ?? i.label)).toEqual([
        ...(platform === 'darwin' ? ['appMenu'] : []),
        'fileMenu',
        'editMenu',
        'View',
        'windowMenu',
        'help',
      ]);
      const help = submenu(menu, 'help');
      expect(help.map((i) => i.label)).toEqual(['Open log folder', 'Open data folder']);
      (help[0]?.click as () => void)();
      const reload = submenu(menu, 'View')[0];
      expect(reload).toMatchObject({ label: 'Reload console', accelerator: 'CmdOrCtrl+R' });
      (reload?.click as () => void)();
    }
    expect(clicked).toEqual(['log', 'reload', 'log', 'reload', 'log', 'reload']);
  });
});
