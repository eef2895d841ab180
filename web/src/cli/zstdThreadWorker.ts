/**
 * Inside a zstd decoder thread (started by zstdThread.ts): the core's WasmZstdDecoder (libzstd in
 * WebAssembly behind the frame scanner), one stream at a time. Compressed chunks come in
 * transferred; the output goes back in transferred buffers of OUT_BYTES, flushed at the end of
 * each input chunk, then that chunk is acknowledged. Messages are handled in order.
 */
import { createHash, type Hash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parentPort } from 'node:worker_threads';
import type { Decoder } from '../core/layers/decoder';
import { WasmZstdDecoder } from '../core/layers/zstdWasmDecoder';
import type { FromZstdThread, ToZstdThread } from './zstdThread';

const OUT_BYTES = 256 * 1024;
const port = parentPort;
if (!port) throw new Error('zstdThreadWorker.ts runs in a worker thread');
// Which build this thread runs (the bundle's zstdThreadEntry.mjs or this file under tsx), as lading.mjs says for the main thread.
if (process.env.LADING_CLI_TRACE) process.stderr.write(`lading: zstd thread runs ${fileURLToPath(import.meta.url)}\n`);

let decoder: Decoder | undefined;
/** The tar's hash (the diff_id), computed here where the tar is made, when the stream asked for it. */
let tarHash: Hash | undefined;
let failed = false;
/** Output buffers the main thread has consumed and sent back, for reuse (no allocation, no garbage). */
const spare: ArrayBuffer[] = [];
let out = new Uint8Array(OUT_BYTES);
let filled = 0;

const post = (message: FromZstdThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

function flush(): void {
  if (filled === 0) return;
  const bytes = out;
  post({ type: 'out', buffer: bytes.buffer, length: filled }, [bytes.buffer]);
  const reused = spare.pop();
  out = reused ? new Uint8Array(reused) : new Uint8Array(OUT_BYTES);
  filled = 0;
}

/** libzstd's output is a view of its memory, valid during the call: copied into `out`. */
function sink(bytes: Uint8Array): void {
  tarHash?.update(bytes);
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(OUT_BYTES - filled, bytes.length - at);
    out.set(bytes.subarray(at, at + n), filled);
    filled += n;
    at += n;
    if (filled === OUT_BYTES) flush();
  }
}

async function handle(message: ToZstdThread): Promise<void> {
  switch (message.type) {
    case 'begin': {
      failed = false;
      filled = 0;
      tarHash = message.hash ? createHash(message.hash) : undefined;
      decoder = await WasmZstdDecoder.create(sink);
      if (!decoder) {
        failed = true;
        post({ type: 'error', message: 'libzstd (WebAssembly) cannot be instantiated in this thread' });
      }
      return;
    }
    case 'data': {
      if (failed || !decoder) return;
      const e = decoder.push(new Uint8Array(message.buffer, 0, message.length));
      flush();
      if (e) {
        failed = true;
        post({ type: 'error', message: e.message, offset: e.offset });
      } else {
        post({ type: 'ack' });
      }
      return;
    }
    case 'end': {
      if (failed || !decoder) return;
      const e = decoder.finish();
      flush();
      decoder = undefined;
      post(e ? { type: 'error', message: e.message, offset: e.offset } : { type: 'done', ...(tarHash ? { digest: tarHash.digest('hex') } : {}) });
      tarHash = undefined;
      return;
    }
    case 'recycle':
      return;
    case 'reset':
      decoder = undefined;
      tarHash = undefined;
      failed = false;
      filled = 0;
      return;
  }
}

let chain = Promise.resolve();
port.on('message', (message: ToZstdThread) => {
  if (message.type === 'recycle') {
    for (const buffer of message.buffers) if (buffer.byteLength === OUT_BYTES) spare.push(buffer);
    return;
  }
  chain = chain.then(() => handle(message)).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
});
post({ type: 'ready' });
