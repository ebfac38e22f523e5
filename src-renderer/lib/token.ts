// The web bridge's per-run token: taken from the page URL once (?token=…), kept in
// sessionStorage for reloads, and removed from the address bar so it does not linger in
// history, bookmarks or screenshots.

import { WEB_TOKEN_PARAM } from '../../src-main/shared/bridge';

const STORAGE_KEY = 'spincycle.webToken';

export function takeToken(win: Window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get(WEB_TOKEN_PARAM);
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(STORAGE_KEY, fromUrl);
    } catch {
      // Storage disabled: the token still works for this page load.
    }
    url.searchParams.delete(WEB_TOKEN_PARAM);
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
