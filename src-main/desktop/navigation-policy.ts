// What the console window may load: its own page only. Other http(s) links open in the
// system browser; every other URL (file:, javascript:, custom schemes...) is refused.

export type NavigationDecision = 'allow' | 'open-external' | 'deny';

/** Our page, ignoring query and fragment (the renderer uses the hash for its routes). */
export function isSamePage(url: string, pageUrl: string): boolean {
  const strip = (u: string): string => u.split(/[?#]/)[0] ?? '';
  return strip(url) === strip(pageUrl);
}

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
export function decideNavigation(url: string, pageUrl: string): NavigationDecision {
  if (isSamePage(url, pageUrl)) return 'allow';
  return isExternalWebUrl(url) ? 'open-external' : 'deny';
}

/** window.open and target=_blank: never a new app window; web links go to the browser. */
export function decideNewWindow(url: string): Exclude<NavigationDecision, 'allow'> {
  return isExternalWebUrl(url) ? 'open-external' : 'deny';
}
