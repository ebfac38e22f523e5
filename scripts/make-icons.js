// Draws the app and tray icons into resources/icons/ as PNGs (no image tools needed: shapes are
// rasterised here with 4x4 supersampling and written with zlib). Run `npm run icons` after
// changing a shape; the files are committed. Names match src-main/desktop/icons.ts.
//   icon.png (512) and icon-<16..512>.png: a white spin ring with an arrow on a dark blue tile
//   tray-<idle|running|failed>-<16|32>[@2x].png: grey ring, blue ring with a dot, red disc with "!"

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const outDir = resolve(dirname(fileURLToPath(import.meta.url)), '../resources/icons');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** RGBA pixels (Uint8Array, size*size*4) -> PNG bytes. */
function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Rasterises a picture given as layers [{ color: [r,g,b,a], inside(u, v) }] in unit
 * coordinates (0..1, origin top-left); later layers paint over earlier ones.
 */
function render(size, layers) {
  const px = new Uint8Array(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) / size;
          const v = (y + (sy + 0.5) / S) / size;
          let cr = 0,
            cg = 0,
            cb = 0,
            ca = 0;
          for (const layer of layers) {
            if (!layer.inside(u, v)) continue;
            const la = layer.color[3] / 255;
            cr = layer.color[0] * la + cr * (1 - la);
            cg = layer.color[1] * la + cg * (1 - la);
            cb = layer.color[2] * la + cb * (1 - la);
            ca = la + ca * (1 - la);
          }
          r += cr;
          g += cg;
          b += cb;
          a += ca;
        }
      }
      const n = S * S;
      const i = (y * size + x) * 4;
      const alpha = a / n;
      // Stored straight (not premultiplied).
      px[i] = alpha ? Math.round(r / n / alpha) : 0;
      px[i + 1] = alpha ? Math.round(g / n / alpha) : 0;
      px[i + 2] = alpha ? Math.round(b / n / alpha) : 0;
      px[i + 3] = Math.round(alpha * 255);
    }
  }
  return px;
}

const dist = (u, v) => Math.hypot(u - 0.5, v - 0.5);
const angle = (u, v) => Math.atan2(v - 0.5, u - 0.5);
const ring =
  (r0, r1, gapFrom = 0, gapTo = 0) =>
  (u, v) => {
    const d = dist(u, v);
    if (d < r0 || d > r1) return false;
    const a = angle(u, v);
    return !(a > gapFrom && a < gapTo);
  };
const disc = (r) => (u, v) => dist(u, v) <= r;
const rect = (x0, y0, x1, y1) => (u, v) => u >= x0 && u <= x1 && v >= y0 && v <= y1;
/** A triangle given by three points, for the ring's arrow head. */
const triangle = (p) => (u, v) => {
  const s = (a, b) => (b[0] - a[0]) * (v - a[1]) - (b[1] - a[1]) * (u - a[0]);
  const d1 = s(p[0], p[1]);
  const d2 = s(p[1], p[2]);
  const d3 = s(p[2], p[0]);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
};
const roundedTile = (radius) => (u, v) => {
  const cx = Math.min(Math.max(u, radius), 1 - radius);
  const cy = Math.min(Math.max(v, radius), 1 - radius);
  return Math.hypot(u - cx, v - cy) <= radius;
};

const WHITE = [255, 255, 255, 255];
const APP = [
  { color: [21, 101, 192, 255], inside: roundedTile(0.2) },
  { color: WHITE, inside: ring(0.22, 0.31, -0.5, 0.35) },
  {
    color: WHITE,
    inside: triangle([
      [0.5 + 0.36 * Math.cos(-0.55), 0.5 + 0.36 * Math.sin(-0.55)],
      [0.5 + 0.17 * Math.cos(-0.55), 0.5 + 0.17 * Math.sin(-0.55)],
      [0.5 + 0.27 * Math.cos(-0.05), 0.5 + 0.27 * Math.sin(-0.05)],
    ]),
  },
  { color: WHITE, inside: disc(0.07) },
];

const TRAY = {
  idle: [{ color: [128, 134, 145, 255], inside: ring(0.28, 0.44) }],
  running: [
    { color: [30, 136, 229, 255], inside: ring(0.3, 0.46, -0.9, -0.1) },
    { color: [30, 136, 229, 255], inside: disc(0.16) },
  ],
  failed: [
    { color: [229, 57, 53, 255], inside: disc(0.46) },
    { color: WHITE, inside: rect(0.43, 0.2, 0.57, 0.6) },
    { color: WHITE, inside: (u, v) => Math.hypot(u - 0.5, v - 0.74) <= 0.075 },
  ],
};

function write(name, size, layers) {
  writeFileSync(join(outDir, name), encodePng(size, render(size, layers)));
}

mkdirSync(outDir, { recursive: true });
write('icon.png', 512, APP);
for (const size of [16, 32, 64, 128, 256, 512]) write(`icon-${size}.png`, size, APP);
for (const [variant, layers] of Object.entries(TRAY)) {
  for (const size of [16, 32]) {
    write(`tray-${variant}-${size}.png`, size, layers);
    write(`tray-${variant}-${size}@2x.png`, size * 2, layers);
  }
}
console.log(`icons written to ${outDir}`);
