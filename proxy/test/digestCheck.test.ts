import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOutcome, startProxy, startServer, type TestServer } from './helpers';

// A blob of 3 MB in 64 KiB writes; its right digest computed here, and one that is one byte off.
const CHUNK = 64 * 1024;
const CHUNKS = 48;
const chunkFor = (i: number): Buffer => Buffer.alloc(CHUNK, (i * 7) % 251);
const whole = Buffer.concat(Array.from({ length: CHUNKS }, (_, i) => chunkFor(i)));
const RIGHT = `sha256:${createHash('sha256').update(whole).digest('hex')}`;
const corrupted = Buffer.from(whole);
corrupted.writeUInt8(corrupted.readUInt8(corrupted.length - 1) ^ 1, corrupted.length - 1);
const WRONG_BYTES_DIGEST = `sha256:${createHash('sha256').update(corrupted).digest('hex')}`;
const SHA512 = `sha512:${createHash('sha512').update(whole).digest('hex')}`;

describe('the proxy checks a whole blob’s digest as it streams (Lading-Digest-Check)', () => {
  let registry: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  /** Digest in the path → the bytes the fake registry sends for it. */
  const bodies = new Map<string, Buffer>([
    [RIGHT, whole],
    [SHA512, whole],
    // The registry answers this digest with bytes whose last byte differs.
    [`sha256:${'c'.repeat(64)}`, corrupted],
  ]);

  beforeAll(async () => {
    registry = await startServer((req, res) => {
      const digest = decodeURIComponent(req.url!.split('/blobs/')[1] ?? '');
      const body = bodies.get(digest);
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      // An upstream header of the proxy's name must never reach the page.
      const headers = { 'content-type': 'application/octet-stream', 'lading-digest-check': digest };
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Number(range[2]) : body.length - 1;
        res.writeHead(206, { ...headers, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${body.length}` });
        res.end(body.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, { ...headers, 'content-length': body.length });
      let i = 0;
      const pump = (): void => {
        while (i < CHUNKS) if (!res.write(body.subarray(i * CHUNK, ++i * CHUNK))) return void res.once('drain', pump);
        res.end();
      };
      pump();
    });
    proxy = await startProxy({ insecureRegistries: new Set([registry.host]) });
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
  });

  const blobUrl = (digest: string): string => `${proxy.url}/registry/${registry.host}/v2/team/app/blobs/${digest}`;
  const ASK = { 'Lading-Digest-Check': 'on' };

  it('says which digest it checked and ends the body cleanly when the bytes have it', async () => {
    for (const digest of [RIGHT, SHA512]) {
      const got = await fetchOutcome(blobUrl(digest), ASK);
      expect(got).toMatchObject({ status: 200, bytes: whole.length, outcome: 'complete' });
      expect(got.headers.get('lading-digest-check')).toBe(digest);
    }
  });

  it('cuts the body of bytes with another digest: the client sees a read error, never a clean end', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const got = await fetchOutcome(blobUrl(digest), ASK);
    expect(got.status).toBe(200);
    expect(got.headers.get('lading-digest-check')).toBe(digest);
    expect(got.outcome).toBe('error');
    // Everything but the held-back last chunk may have arrived; the whole body never does.
    expect(got.bytes).toBeLessThan(corrupted.length);
    expect(proxy.logs.some((line) => line.includes(digest) && line.includes(WRONG_BYTES_DIGEST))).toBe(true);
  });

  it('passes the body unchecked, without the header, when not asked, and for ranges', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const res = await fetch(blobUrl(digest));
    expect(res.headers.get('lading-digest-check')).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(corrupted)).toBe(true);

    const ranged = await fetch(blobUrl(RIGHT), { headers: { ...ASK, Range: 'bytes=10-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('lading-digest-check')).toBeNull();
    expect((await ranged.arrayBuffer()).byteLength).toBe(90);
  });

  it('never passes on a registry’s own Lading-Digest-Check header (HEAD has no body to check)', async () => {
    const res = await fetch(blobUrl(RIGHT), { method: 'HEAD', headers: ASK });
    expect(res.status).toBe(200);
    expect(res.headers.get('lading-digest-check')).toBeNull();
  });
});
