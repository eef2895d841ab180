/**
 * Stacks an image's layer indexes into its filesystem model (trie, marks, dive's figures,
 * reclaimable bytes) off the main thread; the model goes back as transferred typed arrays.
 */
import * as Comlink from 'comlink';
import { stackLayers, type FsData, type LayerInput } from '../core/fs';

export const fsWorkerApi = {
  build(layers: LayerInput[]): FsData {
    const { data, transfer } = stackLayers(layers).toTransfer();
    return Comlink.transfer(data, transfer);
  },
};

export type FsWorkerApi = typeof fsWorkerApi;

Comlink.expose(fsWorkerApi);
