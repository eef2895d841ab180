/**
 * What a file's bytes are, for showing them: an image (by magic bytes, never by name), text
 * (UTF-8), or binary; and the rows of a hex dump. Pure, so it is tested in Node.
 */

export type ContentKind =
  | { readonly kind: 'image'; readonly mime: string }
  /** `svg` says the text is an SVG document, which can also be shown as an image. */
  | { readonly kind: 'text'; readonly text: string; readonly svg: boolean; readonly invalid: number }
  | { readonly kind: 'binary'; readonly reason: string };

/** Share of invalid UTF-8 sequences (as U+FFFD) above which bytes are taken as binary. */
const MAX_INVALID_RATIO = 0.01;
/** Share of control characters (other than tab, newlines, form feed, escape, backspace) above which bytes are binary. */
const MAX_CONTROL_RATIO = 0.1;

export function imageMime(b: Uint8Array): string | undefined {
  const at = (i: number) => b[i] ?? -1;
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47 && at(4) === 0x0d && at(5) === 0x0a && at(6) === 0x1a && at(7) === 0x0a)
    return 'image/png';
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg';
  if (at(0) === 0x47 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x38 && (at(4) === 0x37 || at(4) === 0x39) && at(5) === 0x61) return 'image/gif';
  if (at(0) === 0x52 && at(1) === 0x49 && at(2) === 0x46 && at(3) === 0x46 && at(8) === 0x57 && at(9) === 0x45 && at(10) === 0x42 && at(11) === 0x50)
    return 'image/webp';
  return undefined;
}

const SVG_START = /^\uFEFF?\s*(<\?xml[\s\S]*?\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i;

export function classifyContent(bytes: Uint8Array): ContentKind {
  const mime = imageMime(bytes);
  if (mime) return { kind: 'image', mime };
  if (bytes.indexOf(0) >= 0) return { kind: 'binary', reason: 'it contains NUL bytes' };
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c && c !== 0x1b && c !== 0x08) control++;
  }
  if (control > bytes.length * MAX_CONTROL_RATIO) return { kind: 'binary', reason: 'it is mostly control characters' };
  let text: string;
  let invalid = 0;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('utf-8').decode(bytes);
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0xfffd) invalid++;
    if (invalid > Math.max(1, text.length * MAX_INVALID_RATIO)) return { kind: 'binary', reason: 'it is not UTF-8 text' };
  }
  return { kind: 'text', text, svg: SVG_START.test(text.slice(0, 4096)), invalid };
}

export const HEX_ROW_BYTES = 16;

export function hexRowCount(length: number): number {
  return Math.ceil(length / HEX_ROW_BYTES);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Row `row` of a hex dump like `hexdump -C`: offset, 16 bytes in two groups of 8, and the printable ASCII. */
export function hexRow(bytes: Uint8Array, row: number): { offset: string; hex: string; ascii: string } {
  const start = row * HEX_ROW_BYTES;
  const end = Math.min(bytes.length, start + HEX_ROW_BYTES);
  let hex = '';
  let ascii = '';
  for (let i = start; i < start + HEX_ROW_BYTES; i++) {
    if (i > start) hex += i - start === 8 ? '  ' : ' ';
    if (i < end) {
      const b = bytes[i]!;
      hex += HEX[b];
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    } else {
      hex += '  ';
    }
  }
  return { offset: start.toString(16).padStart(8, '0'), hex, ascii };
}
