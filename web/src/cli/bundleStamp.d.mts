// Types of bundleStamp.mjs (plain JavaScript so that the launcher can read it before tsx runs).

export interface BundleStamp {
  version: number;
  /** Date.now() when the build started; an input not modified since is taken as unchanged. */
  buildStartedMs: number;
  /** Every file the bundle was built from (and build.ts, package-lock.json), relative to the package root, with its contentDigest. */
  inputs: Record<string, string>;
  /** Bundled dependencies and their versions, for the record. */
  packages: Record<string, string>;
  /** Files of the bundle, relative to its directory. */
  outputs: string[];
}

export type BundleState = { fresh: true; dir: string; main: string; stamp: BundleStamp } | { fresh: false; reason: string };

export const STAMP_VERSION: number;
export const BUNDLE_DIR: string;
export const STAMP_FILE: string;
export const MAIN_ENTRY: string;
export const THREAD_ENTRY: string;
export const OPTIONAL_INPUTS: string[];
export function contentDigest(bytes: Uint8Array): string;
export function bundleState(root: string): BundleState;
