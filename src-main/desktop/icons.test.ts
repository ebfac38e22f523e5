// The icon files the shell loads exist in resources/icons/ as PNGs of the expected size
// (scripts/make-icons.js draws them), and each tray state picks its own image.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { allIconFiles, appIconFile, trayIconFile, TRAY_VARIANTS } from './icons';

const iconsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources/icons');

function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('icons', () => {
  it.each(allIconFiles())('$name is a $size px PNG', ({ name, size }) => {
    expect(pngSize(path.join(iconsDir, name))).toEqual({ width: size, height: size });
  });

  it('picks a distinct tray image per state, larger on Linux, and a 512 px app icon', () => {
    const files = TRAY_VARIANTS.map((v) => trayIconFile(iconsDir, v, 'win32'));
    expect(new Set(files).size).toBe(3);
    expect(pngSize(trayIconFile(iconsDir, 'failed', 'darwin')).width).toBe(16);
    expect(pngSize(trayIconFile(iconsDir, 'failed', 'linux')).width).toBe(32);
    expect(pngSize(appIconFile(iconsDir)).width).toBe(512);
  });
});
