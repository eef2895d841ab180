/**
 * Several content observers on one tar pass (tar.ts `ContentObserver`): the per-file content
 * hash (contentHash.ts) and the package-database capture (core/packages) both want entries'
 * bytes, and the tar reader takes one observer. `combineObservers` asks each at every entry and
 * tees the content to every sink it got back; an entry nobody wants gets no sink, so the reader
 * still skips its content by arithmetic instead of copying it through.
 */
import type { ContentObserver, ContentSink, TarEntryInfo } from './tar';

/** One observer asking all of `observers` (undefined ones are left out); undefined when none is left. */
export function combineObservers(...observers: readonly (ContentObserver | undefined)[]): ContentObserver | undefined {
  const present = observers.filter((o): o is ContentObserver => o !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return (entry: TarEntryInfo): ContentSink | undefined => {
    let sinks: ContentSink[] | undefined;
    let only: ContentSink | undefined;
    for (const observer of present) {
      const sink = observer(entry);
      if (!sink) continue;
      if (!only) only = sink;
      else (sinks ??= [only]).push(sink);
    }
    if (!sinks) return only;
    return teeSinks(sinks);
  };
}

/**
 * Every sink gets every byte. Holes: a sink that takes them as lengths gets the length; one that
 * does not gets zeros, as the reader would have given it alone (one shared zero buffer).
 */
function teeSinks(sinks: readonly ContentSink[]): ContentSink {
  return {
    data(bytes) {
      for (const s of sinks) s.data(bytes);
    },
    hole(length) {
      for (const s of sinks) {
        if (s.hole) s.hole(length);
        else feedZeros(s, length);
      }
    },
    end(complete) {
      for (const s of sinks) s.end(complete);
    },
  };
}

const ZEROS = new Uint8Array(64 * 1024);

function feedZeros(sink: ContentSink, length: number): void {
  for (let left = length; left > 0; left -= ZEROS.length) sink.data(left >= ZEROS.length ? ZEROS : ZEROS.subarray(0, left));
}
