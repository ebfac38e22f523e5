// Whether a tray icon would be seen, decided per platform and from what the session's D-Bus
// says; the probe runs the real dbus-send against a private dbus-daemon where one is installed.

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectTrayAvailability, parseHostRegistered, probeTrayHost, trayAvailability } from './tray-availability';

const has = (command: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('trayAvailability', () => {
  it('macOS and Windows always show one', () => {
    expect(trayAvailability('darwin', 'unknown').shows).toBe(true);
    expect(trayAvailability('win32', 'none').shows).toBe(true);
  });

  it('Linux only with a registered StatusNotifier host', () => {
    expect(trayAvailability('linux', 'registered')).toEqual({
      shows: true,
      why: 'a StatusNotifier host is registered on the session bus',
    });
    expect(trayAvailability('linux', 'none')).toMatchObject({ shows: false, why: expect.stringMatching(/GNOME/) });
    expect(trayAvailability('linux', 'unknown').shows).toBe(false);
    expect(trayAvailability('freebsd', 'registered').shows).toBe(true);
  });
});

describe('detectTrayAvailability', () => {
  it('asks the session bus only on D-Bus desktops', async () => {
    const asked: string[] = [];
    const probe = async () => {
      asked.push('probe');
      return 'none' as const;
    };
    expect((await detectTrayAvailability('darwin', probe)).shows).toBe(true);
    expect((await detectTrayAvailability('win32', probe)).shows).toBe(true);
    expect(asked).toEqual([]);
    expect((await detectTrayAvailability('linux', probe)).shows).toBe(false);
    expect(asked).toEqual(['probe']);
  });
});

describe('parseHostRegistered', () => {
  it("reads dbus-send's reply", () => {
    const reply = (v: string) =>
      `method return time=1796243335.35 sender=:1.7 -> destination=:1.9 serial=8 reply_serial=2\n   variant       boolean ${v}\n`;
    expect(parseHostRegistered(reply('true'))).toBe('registered');
    expect(parseHostRegistered(reply('false'))).toBe('none');
    expect(parseHostRegistered('method return …\n   variant       int32 1\n')).toBe('unknown');
  });
});

describe('probeTrayHost', () => {
  const buses: Array<() => void> = [];
  afterAll(() => buses.forEach((stop) => stop()));

  it.skipIf(!has('dbus-daemon') || !has('dbus-send'))(
    'a session bus without a StatusNotifierWatcher: no host (stock GNOME)',
    async () => {
      const daemon = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      buses.push(() => daemon.kill());
      const address = await new Promise<string>((resolve) =>
        daemon.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
      );
      expect(await probeTrayHost({ ...process.env, DBUS_SESSION_BUS_ADDRESS: address })).toBe('none');
    },
  );

  it.skipIf(!has('dbus-send'))('no session bus at all: unknown', async () => {
    const env = { PATH: process.env.PATH, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    expect(await probeTrayHost(env)).toBe('unknown');
  });

  it('no dbus-send installed: unknown', async () => {
    expect(await probeTrayHost(process.env, '/nonexistent/dbus-send')).toBe('unknown');
  });

  it('a watcher that answers: registered', async () => {
    // A stand-in for dbus-send answering as a KDE session's watcher does.
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-dbus-'));
    const fake = path.join(dir, 'dbus-send');
    writeFileSync(
      fake,
      "#!/bin/sh\necho 'method return time=1 sender=:1.7 -> destination=:1.9'\necho '   variant       boolean true'\n",
    );
    chmodSync(fake, 0o755);
    expect(await probeTrayHost(process.env, fake)).toBe('registered');
  });
});
