// Who registers spincycle:// where, and the development registration on Linux through the real
// xdg-mime, in a temporary XDG data and config home.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEV_DESKTOP_FILE,
  devDesktopEntry,
  planProtocolRegistration,
  registerDevDesktopEntry,
  type ProtocolFacts,
} from './protocol-registration';

const facts = (over: Partial<ProtocolFacts>): ProtocolFacts => ({
  platform: 'linux',
  isPackaged: false,
  env: {},
  execPath: '/work/spincycle/node_modules/electron/dist/electron',
  appPath: '/work/spincycle',
  ...over,
});
const asked = { SPINCYCLE_REGISTER_PROTOCOL: '1' };

describe('planProtocolRegistration', () => {
  it('packaged: the Windows installer registers it; macOS and Linux ask to be the default', () => {
    expect(planProtocolRegistration(facts({ isPackaged: true, platform: 'win32' }))).toMatchObject({
      kind: 'none',
      why: expect.stringMatching(/installer/),
    });
    expect(planProtocolRegistration(facts({ isPackaged: true, platform: 'darwin' }))).toMatchObject({
      kind: 'default-client',
      args: [],
    });
    expect(planProtocolRegistration(facts({ isPackaged: true }))).toMatchObject({ kind: 'default-client', args: [] });
  });

  it('development: only when asked, and then per platform', () => {
    expect(planProtocolRegistration(facts({}))).toMatchObject({
      kind: 'none',
      why: expect.stringMatching(/SPINCYCLE_REGISTER_PROTOCOL=1/),
    });
    expect(planProtocolRegistration(facts({ platform: 'win32', env: asked, execPath: 'C:\\e\\electron.exe' }))).toEqual(
      {
        kind: 'default-client',
        args: ['C:\\e\\electron.exe', ['/work/spincycle']],
        why: 'development build, as asked',
      },
    );
    expect(planProtocolRegistration(facts({ env: asked })).kind).toBe('desktop-entry');
    expect(planProtocolRegistration(facts({ platform: 'darwin', env: asked }))).toMatchObject({
      kind: 'none',
      why: expect.stringMatching(/app bundle/),
    });
  });
});

describe('devDesktopEntry', () => {
  it('runs Electron on the project with the link, quoting paths as the spec asks', () => {
    const entry = devDesktopEntry({
      execPath: '/home/op/my tools/electron',
      appPath: '/home/op/100% "spin"',
      dataDir: '/home/op/$data',
    });
    expect(entry).toContain(
      'Exec=env "SPINCYCLE_DATA_DIR=/home/op/\\\\$data" "/home/op/my tools/electron" "/home/op/100%% \\\\"spin\\\\"" %u\n',
    );
    expect(entry).toContain('MimeType=x-scheme-handler/spincycle;\n');
    expect(entry).toContain('NoDisplay=true\n');
    expect(devDesktopEntry({ execPath: '/e/electron', appPath: '/w/sc' })).toContain('Exec=/e/electron /w/sc %u\n');
  });
});

const hasXdgMime = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v xdg-mime'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('registerDevDesktopEntry', () => {
  it.skipIf(!hasXdgMime)('writes the entry and makes it the default handler (xdg-mime)', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sc-xdg-'));
    const env = {
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_DIRS: path.join(home, 'data'),
    };
    const result = await registerDevDesktopEntry({ execPath: '/e/electron', appPath: '/w/sc', env });
    expect(result).toEqual({ ok: true, file: path.join(home, 'data', 'applications', DEV_DESKTOP_FILE) });
    expect(readFileSync(path.join(home, 'data', 'applications', DEV_DESKTOP_FILE), 'utf8')).toContain(
      'Exec=/e/electron /w/sc %u',
    );
    const handler = execFileSync('xdg-mime', ['query', 'default', 'x-scheme-handler/spincycle'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(handler.trim()).toBe(DEV_DESKTOP_FILE);
  });

  it('says why when it cannot', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sc-xdg-'));
    const result = await registerDevDesktopEntry(
      { execPath: '/e/electron', appPath: '/w/sc', env: { XDG_DATA_HOME: path.join(home, 'data') } },
      '/nonexistent/xdg-mime',
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/^xdg-mime failed: /) });
  });
});
