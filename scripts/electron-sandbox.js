// Recognises Chromium's Linux sandbox refusing to start, from Electron's stderr, and says why in
// one line. On Ubuntu 23.10+ AppArmor blocks unprivileged user namespaces, so Chromium falls back
// to its setuid helper (chrome-sandbox), which must be owned by root with mode 4755; in
// node_modules or an AppImage it is not, and Electron aborts before any window opens. start.js
// then serves the console in the browser instead. The sandbox is never turned off here: the fix
// is the operator's (docs/desktop.md, "Linux sandbox").

import { readFileSync } from 'node:fs';

export const SANDBOX_DOC = 'docs/desktop.md, "Linux sandbox"';

const SUID_HELPER = /SUID sandbox helper binary was found, but is not configured correctly/;
const HELPER_PATH = /make sure that (\S+) is owned by root and has mode 4755/;
const NO_SANDBOX = /No usable sandbox!/;

/** Whether the kernel (AppArmor) restricts unprivileged user namespaces: true, false, or null (unknown). */
export function userNamespacesRestricted(read = (file) => readFileSync(file, 'utf8')) {
  try {
    return read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns').trim() === '1';
  } catch {
    return null;
  }
}

/**
 * The one-line reason when `stderr` shows the sandbox failing to start, else null.
 * @param {string} stderr Electron's stderr (its last part is enough)
 * @param {{ restricted?: boolean | null }} [facts]
 * @returns {string | null}
 */
export function sandboxFailure(stderr, facts = {}) {
  const text = stderr.replace(/\s+/g, ' ');
  if (!SUID_HELPER.test(text) && !NO_SANDBOX.test(text)) return null;
  const helper = HELPER_PATH.exec(text)?.[1];
  const causes = [];
  if (facts.restricted) causes.push('AppArmor blocks unprivileged user namespaces');
  else if (facts.restricted !== false) causes.push('unprivileged user namespaces are not available');
  causes.push(helper ? `${helper} is not owned by root with mode 4755` : 'there is no usable setuid sandbox helper');
  return `Electron's Linux sandbox cannot start (${causes.join(', and ')}; see ${SANDBOX_DOC})`;
}
