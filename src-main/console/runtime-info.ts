// Facts console main reports about itself in version(): the protocol revision we speak
// and a one-line description of the runtime hosting main (plain Node or Electron).

/** Revision and date of the original Spin Cycle we are wire-compatible with (see ../spec). */
export const PROTOCOL_REVISION = 'bca299b (2017-08-29)';

/** The subset of process.versions we read (Electron adds `electron` and `chrome`). */
export interface RuntimeVersions {
  readonly node: string;
  readonly electron?: string | undefined;
  readonly chrome?: string | undefined;
}

/** "node 20.20.2", or "electron 45.5.0 / chrome 140.0.7339.41 / node 22.20.0". */
export function describeRuntime(versions: RuntimeVersions): string {
  if (versions.electron) {
    const chrome = versions.chrome ? ` / chrome ${versions.chrome}` : '';
    return `electron ${versions.electron}${chrome} / node ${versions.node}`;
  }
  return `node ${versions.node}`;
}
