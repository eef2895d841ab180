/**
 * Path normalisation on raw name bytes (tar names are byte strings, not necessarily UTF-8;
 * '/' and '.' are single bytes in every encoding that matters here).
 *
 * Stored form: relative to the layer root, without a leading `/` or `./`, without a trailing
 * `/`, with `//` collapsed and `.` segments dropped; `..` pops a segment and stops at the
 * root (like Go's path.Clean("/" + p), which is what go-containerregistry and Docker apply
 * before extracting). The root directory itself is the empty string "".
 *
 *   "./usr/bin/"      -> "usr/bin"
 *   "/etc//passwd"    -> "etc/passwd"
 *   "./"              -> ""
 *   "a/./b/../c"      -> "a/c"
 */

const SLASH = 0x2f;
const DOT = 0x2e;

export class PathNormalizer {
  private out = new Uint8Array(256);
  private segStarts = new Int32Array(64);

  /** Normalises `src` and returns a view of the result; valid until the next call. */
  normalize(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (this.out.length < n) this.out = new Uint8Array(Math.max(n, this.out.length * 2));
    if (this.segStarts.length < n / 2 + 1) this.segStarts = new Int32Array(Math.max(n, this.segStarts.length * 2));
    const out = this.out;
    const segStarts = this.segStarts;
    let o = 0;
    let depth = 0;
    let i = 0;
    while (i < n) {
      while (i < n && src[i] === SLASH) i++;
      const s = i;
      while (i < n && src[i] !== SLASH) i++;
      const len = i - s;
      if (len === 0) break;
      if (len === 1 && src[s] === DOT) continue;
      if (len === 2 && src[s] === DOT && src[s + 1] === DOT) {
        if (depth > 0) {
          depth--;
          o = segStarts[depth] ?? 0;
        }
        continue;
      }
      segStarts[depth++] = o;
      if (o > 0) out[o++] = SLASH;
      out.set(src.subarray(s, i), o);
      o += len;
    }
    return out.subarray(0, o);
  }
}
