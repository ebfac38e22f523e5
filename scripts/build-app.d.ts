// Types for build-app.js (plain JS so `node scripts/start.js` needs no loader).

export function buildApp(): Promise<void>;
