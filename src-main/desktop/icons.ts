// Names of the icon files in resources/icons/ (made by scripts/make-icons.js): the app icon and
// the tray icons per state. Electron picks the @2x sibling of a tray PNG on high-DPI screens.

import path from 'node:path';
import type { TrayIconVariant } from './tray-menu';

export const TRAY_VARIANTS: readonly TrayIconVariant[] = ['idle', 'running', 'failed'];
/** Tray icon sizes in px (each also at @2x). */
export const TRAY_SIZES = [16, 32] as const;
export const APP_ICON_SIZES = [16, 32, 64, 128, 256, 512] as const;

/** Linux trays (StatusNotifier/AppIndicator) scale a larger image down; others want 16 px. */
export function traySizeFor(platform: NodeJS.Platform): (typeof TRAY_SIZES)[number] {
  return platform === 'linux' ? 32 : 16;
}

export function trayIconFile(iconsDir: string, variant: TrayIconVariant, platform: NodeJS.Platform): string {
  return path.join(iconsDir, `tray-${variant}-${traySizeFor(platform)}.png`);
}

/** The window and app icon (electron-builder also makes .icns and .ico from icon.png). */
export function appIconFile(iconsDir: string): string {
  return path.join(iconsDir, 'icon.png');
}

/** Every file make-icons.js writes, with its pixel size (for the tests). */
export function allIconFiles(): Array<{ name: string; size: number }> {
  const files: Array<{ name: string; size: number }> = [{ name: 'icon.png', size: 512 }];
  for (const size of APP_ICON_SIZES) files.push({ name: `icon-${size}.png`, size });
  for (const variant of TRAY_VARIANTS) {
    for (const size of TRAY_SIZES) {
      files.push({ name: `tray-${variant}-${size}.png`, size });
      files.push({ name: `tray-${variant}-${size}@2x.png`, size: size * 2 });
    }
  }
  return files;
}
