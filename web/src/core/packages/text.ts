/**
 * Text helpers shared by the parsers: UTF-8 decoding, RFC 822-style stanzas (dpkg's deb822,
 * Python's core metadata headers), path joining.
 *
 * Parsers throw `FormatError` for input that breaks the format; the dispatcher (`parse.ts`)
 * turns it into a note. Nothing else may throw.
 */
import type { NoteKind } from './types';

export class FormatError extends Error {
  constructor(
    readonly kind: Extract<NoteKind, 'corrupt' | 'truncated'>,
    message: string,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Lossy UTF-8 (invalid bytes become U+FFFD): file names in lists are byte strings. */
export function decodeText(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Strict UTF-8, for formats that are text by definition (JSON): invalid bytes are corruption. */
export function decodeStrict(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new FormatError('corrupt', 'not valid UTF-8');
  }
}

/** A NUL byte never occurs in the text formats read here; it means binary or damaged bytes. */
export function rejectNul(text: string, what: string): void {
  const at = text.indexOf('\0');
  if (at >= 0) throw new FormatError('corrupt', `${what}: NUL byte at character ${at}`);
}

/** Lines without their terminators (LF or CRLF); a final line without LF is kept. */
export function lines(text: string): string[] {
  const out = text.split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  for (let i = 0; i < out.length; i++) {
    const l = out[i]!;
    if (l.endsWith('\r')) out[i] = l.slice(0, -1);
  }
  return out;
}

export type Stanza = Map<string, string>;

/**
 * deb822 / RFC 822 stanzas: `Field: value` lines, continuation lines starting with a space or
 * tab (joined with `\n`), stanzas separated by blank lines. Field names are compared without
 * case (dpkg and Python's email parser both do), so keys are lower-cased. With `headerOnly`,
 * parsing stops at the first blank line (Python METADATA: the body is the long description).
 *
 * Strict where the writers are: a line with no colon, a field name with spaces, or a
 * continuation with nothing to continue is corruption.
 */
export function parseStanzas(text: string, opts: { headerOnly?: boolean } = {}): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | undefined;
  let lastKey = '';
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') {
      if (cur) {
        out.push(cur);
        cur = undefined;
        if (opts.headerOnly) return out;
      }
      continue;
    }
    const c = line.charCodeAt(0);
    if (c === 0x20 || c === 0x09) {
      if (!cur) throw new FormatError('corrupt', `line ${i + 1}: continuation line outside a field`);
      cur.set(lastKey, `${cur.get(lastKey) ?? ''}\n${line.slice(1)}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new FormatError('corrupt', `line ${i + 1}: expected "Field: value"`);
    const key = line.slice(0, colon);
    if (/[\s]/.test(key)) throw new FormatError('corrupt', `line ${i + 1}: bad field name "${key.slice(0, 40)}"`);
    cur ??= new Map();
    lastKey = key.toLowerCase();
    // Repeated fields (Python's Classifier, Requires-Dist) keep the first value: only Name and Version are read.
    if (!cur.has(lastKey)) cur.set(lastKey, line.slice(colon + 1).trim());
  }
  if (cur) out.push(cur);
  return out;
}

/** Collapses `//`, `/./` and `..` (clamped at the root) in an absolute path; no trailing `/`. */
export function normalizeAbsolute(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

/** `base` (absolute) joined with a relative path, normalised. */
export function joinPath(base: string, rel: string): string {
  return normalizeAbsolute(rel.startsWith('/') ? rel : `${base}/${rel}`);
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
