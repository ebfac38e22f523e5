// Types for electron-runtime.js (plain JS so `node scripts/start.js` needs no loader).

export type Found = { ok: true; path: string };
export type Missing = { ok: false; reason: string };

export function findElectronBinary(): Found | Missing;
export function findDisplay(): { ok: true } | Missing;
export function canStartElectron(): Found | Missing;
