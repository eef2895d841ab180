import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIGEST_A, startProxy, startServer, type TestServer } from './helpers';

const TOTAL = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;

describe('streaming a 50 MB blob', () => {
  let registry: TestServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let sent = 0;
  let finished = false;
  const expected = createHash('sha256');

  // Chunk i is filled with byte i % 251, so any reordering or loss changes the hash.
  const chunkFor = (i: number): Buffer => Buffer.alloc(CHUNK, i % 251);
  for (let i = 0; i < TOTAL / CHUNK; i++) expected.update(chunkFor(i));
  const expectedDigest = expected.digest('hex');

  beforeAll(async () => {
    registry = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL });
      let i = 0;
      // Writes only as fast as the proxy reads: `sent` shows how far the proxy has pulled.
      const pump = (): void => {
        while (sent < TOTAL) {
          const ok = res.write(chunkFor(i++));
          sent += CHUNK;
          if (!ok) {
            res.once('drain', pump);
            return;
          }
        }
        res.end(() => (finished = true));
      };
      pump();
    });
    proxy = await startProxy({ insecureRegistries: new Set([registry.host]) });
  });
  afterAll(async () => {
    await proxy.close();
    await registry.close();
  });

  it('delivers the first bytes early, holds the registry back while the browser is paused, and ends intact', async () => {
    const hash = createHash('sha256');
    let received = 0;
    const observed = await new Promise<{ atFirstByte: number; whilePaused: number; finishedWhilePaused: boolean }>((resolve, reject) => {
      http
        .get(`${proxy.url}/registry/${registry.host}/v2/big/blobs/${DIGEST_A}`, { agent: false }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-length']).toBe(String(TOTAL));
          let atFirstByte = -1;
          let whilePaused = -1;
          let finishedWhilePaused = false;
          res.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            received += chunk.length;
            if (atFirstByte >= 0) return;
            atFirstByte = sent;
            // Stop reading for a while: a proxy that buffers would keep pulling the whole body.
            res.pause();
            setTimeout(() => {
              whilePaused = sent;
              finishedWhilePaused = finished;
              res.resume();
            }, 400);
          });
          res.on('end', () => resolve({ atFirstByte, whilePaused, finishedWhilePaused }));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(observed.atFirstByte).toBeLessThan(TOTAL);
    expect(observed.finishedWhilePaused).toBe(false);
    // Only socket buffers' worth may be in flight (loopback buffers hold a few MB per connection; ~8 MB seen).
    expect(observed.whilePaused).toBeLessThan(TOTAL / 2);
    expect(received).toBe(TOTAL);
    expect(hash.digest('hex')).toBe(expectedDigest);
  });
});
