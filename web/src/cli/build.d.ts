import { type BundleStamp } from './bundleStamp.mjs';
export interface BuiltBundle {
    dir: string;
    stamp: BundleStamp;
}
/** Builds the CLI bundle of the package at `root` into `root/dist/cli`. */
export declare function buildCliBundle(root?: string): Promise<BuiltBundle>;
