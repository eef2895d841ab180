import { describe, expect, test } from 'vitest';
import { classifyContent, hexRow, hexRowCount } from './content';

const enc = new TextEncoder();

describe('classifyContent', () => {
  test('images by magic bytes, whatever the name', () => {
    expect(classifyContent(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toEqual({ kind: 'image', mime: 'image/png' });
    expect(classifyContent(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ kind: 'image', mime: 'image/jpeg' });
    expect(classifyContent(enc.encode('GIF89a....'))).toEqual({ kind: 'image', mime: 'image/gif' });
    expect(classifyContent(enc.encode('RIFF\x10\0\0\0WEBPVP8 '))).toEqual({ kind: 'image', mime: 'image/webp' });
    // Not quite: a RIFF that is not WebP (a WAV) is binary.
    expect(classifyContent(enc.encode('RIFF\x10\0\0\0WAVEfmt ')).kind).toBe('binary');
  });

  test('text: UTF-8, empty, with a rare invalid byte; SVG is text that can be an image', () => {
    expect(classifyContent(enc.encode('Lading fixture image \\n \\l\n\n'))).toMatchObject({
      kind: 'text',
      text: 'Lading fixture image \\n \\l\n\n',
      svg: false,
      invalid: 0,
    });
    expect(classifyContent(new Uint8Array(0))).toMatchObject({ kind: 'text', text: '' });
    expect(classifyContent(enc.encode('ünïcödé ✓ \x1b[1mbold\x1b[0m\t\r\n'))).toMatchObject({ kind: 'text', invalid: 0 });
    const latin1 = new Uint8Array([...enc.encode('a'.repeat(300)), 0xe9, ...enc.encode('b'.repeat(300))]);
    expect(classifyContent(latin1)).toMatchObject({ kind: 'text', invalid: 1 });
    expect(classifyContent(enc.encode('<?xml version="1.0"?>\n<!-- icon -->\n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toMatchObject({
      kind: 'text',
      svg: true,
    });
    expect(classifyContent(enc.encode('\uFEFF  <svg width="1"></svg>'))).toMatchObject({ kind: 'text', svg: true });
    expect(classifyContent(enc.encode('<html><svg></svg></html>'))).toMatchObject({ kind: 'text', svg: false });
  });

  test('binary: NUL bytes, mostly invalid UTF-8, mostly control characters', () => {
    expect(classifyContent(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))).toEqual({ kind: 'binary', reason: 'it contains NUL bytes' });
    expect(classifyContent(new Uint8Array(200).map((_, i) => 0x80 + (i % 64))).kind).toBe('binary');
    expect(classifyContent(new Uint8Array(100).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41))).kind).toBe('binary');
  });
});

describe('hex dump rows', () => {
  test('offset, two groups of eight, ASCII; a short last row is padded', () => {
    const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x41, 0x42, 0x0a]);
    expect(hexRowCount(bytes.length)).toBe(2);
    expect(hexRow(bytes, 0)).toEqual({ offset: '00000000', hex: '7f 45 4c 46 02 01 01 00  00 00 00 00 00 00 00 00', ascii: '.ELF............' });
    const last = hexRow(bytes, 1);
    expect(last.offset).toBe('00000010');
    expect(last.hex).toBe('41 42 0a' + ' '.repeat(hexRow(bytes, 0).hex.length - 8));
    expect(last.ascii).toBe('AB.');
    expect(hexRowCount(0)).toBe(0);
  });
});
