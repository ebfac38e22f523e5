// electron-builder after-pack hook (electron-builder.yml "afterPack"): replaces the packaged
// copy of better-sqlite3's addon (app.asar.unpacked) with the Electron build made by
// scripts/prepare-electron-sqlite.js, so the packaged console and its engine (utilityProcess)
// load an addon for Electron's ABI while the project's node_modules keeps the Node build.
// CommonJS because electron-builder requires hooks.
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file */

const { copyFileSync, existsSync } = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ELECTRON_SQLITE_FILE = 'node_modules/.electron-sqlite/better_sqlite3.node';
// electron-builder's Arch enum, by value.
const ARCH = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

/** @param {{ appOutDir: string, electronPlatformName: string, arch: number, packager: { appInfo: { productFilename: string } } }} context */
exports.default = async function afterPack(context) {
  const source = path.join(ROOT, ELECTRON_SQLITE_FILE);
  if (!existsSync(source)) {
    throw new Error(`${ELECTRON_SQLITE_FILE} is missing: run \`npm run prepare:electron-sqlite\` first`);
  }
  const arch = ARCH[context.arch] ?? String(context.arch);
  if (context.electronPlatformName !== process.platform || arch !== process.arch) {
    throw new Error(
      `better-sqlite3 for Electron was built for ${process.platform}-${process.arch}; ` +
        `package for ${context.electronPlatformName}-${arch} on that platform instead`,
    );
  }
  const resources =
    context.electronPlatformName === 'darwin'
      ? path.join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`, 'Contents', 'Resources')
      : path.join(context.appOutDir, 'resources');
  const target = path.join(
    resources,
    'app.asar.unpacked',
    'node_modules',
    'better-sqlite3',
    'build',
    'Release',
    'better_sqlite3.node',
  );
  if (!existsSync(path.dirname(target)))
    throw new Error(`unexpected package layout: ${path.dirname(target)} is missing`);
  copyFileSync(source, target);
  console.log(`after-pack: better-sqlite3 for Electron -> ${path.relative(context.appOutDir, target)}`);
};
