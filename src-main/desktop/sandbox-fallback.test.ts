// `npm start` on a Linux where Chromium's sandbox cannot start (Ubuntu 23.10+ AppArmor, and a
// chrome-sandbox that is not root-owned 4755): Electron aborts before any window, and start.js
// must notice it from Electron's stderr and serve the browser console with a one-line reason.
// The Electron runtime cannot run here, so a stand-in executable prints what Electron prints and
// aborts the same way; run-child.js and electron-sandbox.js are what start.js uses.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SANDBOX_DOC, sandboxFailure, userNamespacesRestricted } from '../../scripts/electron-sandbox.js';
import { run } from '../../scripts/run-child.js';

const HELPER = '/home/op/spincycle/node_modules/electron/dist/chrome-sandbox';
const SUID_ABORT =
  `[12345:0102/030405.678901:FATAL:setuid_sandbox_host.cc(163)] The SUID sandbox helper binary was found, ` +
  `but is not configured correctly. Rather than run without sandboxing I'm aborting now. You need to make ` +
  `sure that ${HELPER} is owned by root and has mode 4755.`;
const NO_USABLE =
  '[2222:FATAL:zygote_host_impl_linux.cc(128)] No usable sandbox! If you are running on Ubuntu 23.10+ or ' +
  'another Linux distro that has disabled unprivileged user namespaces with AppArmor, see ' +
  'https://chromium.googlesource.com/chromium/src/+/main/docs/security/apparmor-userns-restrictions.md.';

/** A stand-in for the Electron executable: writes `stderr` and ends with `exit`. */
function fakeElectron(stderr: string, exit: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sc-fake-electron-'));
  const file = path.join(dir, 'electron');
  writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' ${JSON.stringify(stderr)} >&2\n${exit}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('sandboxFailure', () => {
  it('names the cause and the helper, and points at the docs, in one line', () => {
    const reason = sandboxFailure(`some GPU noise\n${SUID_ABORT}\n`, { restricted: true });
    expect(reason).toBe(
      `Electron's Linux sandbox cannot start (AppArmor blocks unprivileged user namespaces, and ${HELPER} ` +
        `is not owned by root with mode 4755; see ${SANDBOX_DOC})`,
    );
    expect(reason).not.toContain('\n');
    expect(sandboxFailure(NO_USABLE, { restricted: null })).toBe(
      `Electron's Linux sandbox cannot start (unprivileged user namespaces are not available, and there is ` +
        `no usable setuid sandbox helper; see ${SANDBOX_DOC})`,
    );
  });

  it('finds the message even when the terminal width wrapped it', () => {
    expect(sandboxFailure(SUID_ABORT.replace(/ is not configured/, '\n is not configured'))).toMatch(/sandbox/);
  });

  it('leaves every other failure alone', () => {
    expect(sandboxFailure('')).toBeNull();
    expect(sandboxFailure('App threw an error during load\nError: Cannot find module out/main/index.js')).toBeNull();
    expect(sandboxFailure("[1:FATAL:gpu_init.cc] GPU process isn't usable. Goodbye.")).toBeNull();
  });

  it('reads whether AppArmor restricts user namespaces', () => {
    expect(userNamespacesRestricted(() => '1\n')).toBe(true);
    expect(userNamespacesRestricted(() => '0\n')).toBe(false);
    expect(
      userNamespacesRestricted(() => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
  });
});

describe("start.js's Electron run", () => {
  it('an Electron that aborts on its sandbox is recognised from its stderr', async () => {
    // SIGTRAP is how Chromium's FATAL check ends the process.
    const electron = fakeElectron(SUID_ABORT, 'kill -TRAP $$');
    const { code, stderr } = await run(electron, ['.'], { watchStderr: true });
    expect(code).not.toBe(0);
    expect(stderr).toContain('SUID sandbox helper');
    expect(sandboxFailure(stderr, { restricted: true })).toContain(`${HELPER} is not owned by root`);
  });

  it('any other failure keeps its exit code and no fall-back', async () => {
    const electron = fakeElectron('Error launching app: Unable to find Electron app at /nowhere', 'exit 1');
    const { code, stderr } = await run(electron, ['/nowhere'], { watchStderr: true });
    expect(code).toBe(1);
    expect(sandboxFailure(stderr)).toBeNull();
  });

  it('a clean exit is a clean exit', async () => {
    expect(await run(fakeElectron('bye', 'exit 0'), [], { watchStderr: true })).toEqual({ code: 0, stderr: 'bye\n' });
  });
});
