/**
 * Several content observers on one tar pass (a package capture and a per-file hash, say): each
 * is asked at every entry, and an entry's content goes to every sink that asked for it.
 *
 * Holes of sparse files go to `hole` only when every sink that asked has one; otherwise all of
 * them get the zeros as `data` (what tarReader does for a sink without `hole`), so no sink sees
 * an entry with bytes missing.
 */
import type { ContentObserver, ContentSink } from './tar';

export function combineObservers(...observers: (ContentObserver | undefined)[]): ContentObserver | undefined {
  const list = observers.filter((o): o is ContentObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  return (entry) => {
    let sinks: ContentSink[] | undefined;
    for (const o of list) {
      const s = o(entry);
      if (s) (sinks ??= []).push(s);
    }
    if (!sinks) return undefined;
    if (sinks.length === 1) return sinks[0];
    const all = sinks;
    const fan: ContentSink = {
      data: (bytes) => {
        for (const s of all) s.data(bytes);
      },
      end: (complete) => {
        for (const s of all) s.end(complete);
      },
    };
    if (all.every((s) => s.hole)) fan.hole = (n) => all.forEach((s) => s.hole!(n));
    return fan;
  };
}
