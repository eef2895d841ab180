/**
 * One entry's content through a seek index: one range read of the stored bytes from the nearest
 * restart point (`planRead`), inflated from there (`readFromRestart`). A source that ignores the
 * range and sends the whole blob (a registry answering 200) is read from its start instead, as
 * `extractEntry` always did: slower, never an error.
 */
import type { Layer } from '../../image';
import { extractEntry } from '../extract';
import { readFromRestart } from './read';
import { planRead, type SeekIndex } from './seekIndex';

export interface SeekRead {
  readonly bytes: Uint8Array;
  /** 'range': from a restart point; 'whole': the source sent the whole blob, read from its start. */
  readonly via: 'range' | 'whole';
  readonly status?: number;
  /** The stored bytes asked for: `[from, to)`, `to` undefined for the blob's end. */
  readonly from: number;
  readonly to?: number;
}

export async function extractWithIndex(
  layer: Pick<Layer, 'openRange'>,
  index: SeekIndex,
  range: { readonly offset: number; readonly size: number },
  signal?: AbortSignal,
  /** Called with the size of every chunk of stored bytes received. */
  count: (bytes: number) => void = () => {},
): Promise<SeekRead> {
  const plan = planRead(index, range.offset, range.size);
  const opened = await layer.openRange(plan.from, plan.to === undefined ? undefined : plan.to - plan.from, signal);
  const body = counted(opened.body, count);
  const status = opened.status !== undefined ? { status: opened.status } : {};
  const where = { from: plan.from, ...(plan.to !== undefined ? { to: plan.to } : {}) };
  if (opened.whole) {
    const bytes = await extractEntry(body, { offset: range.offset, size: range.size, compression: index.compression }, signal);
    return { bytes, via: 'whole', ...status, ...where };
  }
  const bytes = await readFromRestart(body, index, plan, range, signal);
  return { bytes, via: 'range', ...status, ...where };
}

async function* counted(body: ReadableStream<Uint8Array>, count: (bytes: number) => void): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      count(value.byteLength);
      yield value;
    }
  } finally {
    // Reached when the reader stops early (the entry is complete): the download stops too.
    reader.cancel().catch(() => {});
  }
}
