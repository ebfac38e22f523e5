// An RM with auth (`spincycle server --auth`), in Chromium through the web bridge. Added
// without a token, its context says it refused the console's credentials and offers to set
// them; the dialog opens on that context's credentials with an Authorization header to fill;
// with a token it is online. The Start view then marks the request type the caller's roles may
// not start, says why in the server's words, and cannot send it; a type the caller may start
// starts, as the caller. Looked at in 1024×700 and 1920×1080, light and dark.

import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { newToken } from '../src-main/engine/auth/new-token';
import { hashToken } from '../src-main/engine/auth/token-file';
import { expect, test } from './fixtures';
import { startEngine } from './support/engine';
import { snapLooks } from './support/flows';
import { PROJECT_ROOT } from './support/web-bridge';

test.describe.configure({ timeout: 120_000 });

const GUARDED = `noop-node: {category: job, type: noop}
sequences:
  restart-app:
    args:
      required:
        - {name: app, desc: the app to restart}
    acl:
      - role: eng
        admin: true
      - role: ops
        ops: [start]
    nodes:
      restart: {category: job, type: noop}
`;

const carol = newToken();
let dir: string;
let engine: Awaited<ReturnType<typeof startEngine>>;

test.beforeAll(async () => {
  dir = mkdtempSync(resolve(tmpdir(), 'spincycle-e2e-auth-'));
  const specs = join(dir, 'specs');
  mkdirSync(specs);
  copyFileSync(resolve(PROJECT_ROOT, 'resources/specs/hello.yaml'), join(specs, 'hello.yaml'));
  writeFileSync(join(specs, 'restart-app.yaml'), GUARDED);
  const callers = join(dir, 'callers.yaml');
  writeFileSync(callers, `callers:\n  - user: carol\n    roles: [viewer]\n    token: ${hashToken(carol)}\n`);
  chmodSync(callers, 0o600);
  engine = await startEngine({ specs, args: ['--auth', callers], headers: { Authorization: `Bearer ${carol}` } });
});

test.afterAll(() => {
  if (engine?.child.exitCode === null) engine.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('a refused token is a prompt for credentials; types the caller may not start are marked and cannot be sent', async ({
  shell,
  startPage,
  page,
}, testInfo) => {
  const name = `authed-${testInfo.workerIndex}-${Date.now().toString(36)}`;
  await shell.open();
  await shell.addContext(name, engine.url, 'production');
  await shell.switchContext(name);

  // No token: the server refused the console, and the banner says so with a way to fix it.
  await expect(shell.offlineBanner).toContainText(`${name} refused the console’s credentials`, { timeout: 20_000 });
  await expect(shell.offlineBanner).toContainText('Not signed in');
  await expect(page.getByTestId('offline-why')).toContainText(
    'refused GET /api/v1/requests: 401 not authorized: this Request Manager needs a token',
  );
  await snapLooks(page, testInfo, 'auth-refused');
  await page.getByTestId('set-credentials').click();
  const dialog = page.getByTestId('contexts-dialog');
  await expect(dialog.getByTestId('context-form-name')).toHaveValue(name);
  await expect(dialog.getByTestId('context-credentials')).toHaveAttribute('open', '');
  await expect(dialog.getByTestId('context-header-name')).toHaveValue('Authorization');
  await expect(dialog.getByTestId('context-header-value')).toBeFocused();
  await snapLooks(page, testInfo, 'auth-credentials');
  await dialog.getByTestId('context-header-value').fill(`Bearer ${carol}`);
  await dialog.getByTestId('context-form-save').click();
  await expect(dialog.getByTestId('context-form')).toBeHidden();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(shell.offlineBanner).toBeHidden({ timeout: 30_000 });

  // The Start view: restart-app's acl lists eng and ops, carol is a viewer.
  await page.getByTestId('nav-start').click();
  const refusedType = page.getByTestId('request-type-restart-app');
  await expect(page.getByTestId('not-allowed-restart-app')).toHaveText('not allowed');
  await expect(page.getByTestId('not-allowed-hello')).toHaveCount(0);
  await refusedType.click();
  const why = 'denied: carol has roles viewer, and the acl of restart-app lists eng, ops';
  await expect(page.getByTestId('start-refused')).toContainText(`You may not start restart-app on ${name}.`);
  await expect(page.getByTestId('start-refused')).toContainText(why);
  await expect(refusedType).toHaveAttribute('title', `You may not start restart-app: ${why}`);
  await expect(startPage.submitButton).toBeDisabled();
  await startPage.arg('app').fill('web');
  await snapLooks(page, testInfo, 'auth-start-refused');

  // A type without an acl starts, as carol (the console's own user name is not sent for her).
  await page.getByTestId('request-type-hello').click();
  await expect(page.getByTestId('start-refused')).toHaveCount(0);
  await startPage.submit();
  await expect(page.locator('dl.facts dt:text-is("User") + dd')).toHaveText('carol');
});
