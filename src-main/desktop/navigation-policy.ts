// What the console window may load: its own page only (compared as parsed URLs: scheme, host and
// path). Other http(s) links open in the system browser; every other URL (file:, javascript:,
// custom schemes...) is refused.

import { isConsolePage } from './renderer-origin';

export type NavigationDecision = 'allow' | 'open-external' | 'deny';

/** Whether `url` is an http(s) URL the system browser may open. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** In-window navigation (will-navigate, will-redirect). */
export function decideNavigation(url: string): NavigationDecision {
  if (isConsolePage(url)) return 'allow';
  return isExternalWebUrl(url) ? 'open-external' : 'deny';
}

/** window.open and target=_blank: never a new app window; web links go to the browser. */
export function decideNewWindow(url: string): Exclude<NavigationDecision, 'allow'> {
  return isExternalWebUrl(url) ? 'open-external' : 'deny';
}
