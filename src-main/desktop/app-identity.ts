// The app's identity as the installers declare it (electron-builder.yml's appId). Windows shows
// a toast only for an AppUserModelID with a Start menu shortcut: the NSIS installer's shortcut
// carries the appId; a development run uses the Electron executable's path, as Electron documents.

export const APP_ID = 'io.github.spincycle.console';

export function appUserModelId(facts: { isPackaged: boolean; execPath: string }): string {
  return facts.isPackaged ? APP_ID : facts.execPath;
}
