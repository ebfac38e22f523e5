// Types for electron-sandbox.js (plain JS so `node scripts/start.js` needs no loader).

export const SANDBOX_DOC: string;
export function userNamespacesRestricted(read?: (file: string) => string): boolean | null;
export function sandboxFailure(stderr: string, facts?: { restricted?: boolean | null }): string | null;
