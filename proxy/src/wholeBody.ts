// Bodies the proxy reads whole before answering (manifests, tag lists, the catalog, referrers, Hub
// API pages, error bodies, token answers), with the three bounds such a read needs: a size limit
// (LADING_MAX_JSON_BYTES), an overall deadline (LADING_BODY_DEADLINE: a body that trickles one byte
// every few seconds never trips the idle timeout), and the global memory budget (`memoryBudget.ts`).
// The reservation is given back only once the answer has left the process (`releaseWhenSent`), since
// a browser that reads slowly keeps the bytes in the socket's buffer.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from './errors';
import type { MemoryBudget, Reservation } from './memoryBudget';

export interface WholeBodyOptions {
  /** Largest body accepted. */
  limit: number;
  /** From the first call to the last byte. */
  deadlineMs: number;
  budget: MemoryBudget;
  /** Who sent it and what it is, for messages: `registry.example`, `a manifest`. */
  from: string;
  what: string;
}

export interface HeldBody {
  body: Buffer;
  /** Gives the body's bytes back to the budget. */
  release(): void;
}

export function tooLargeError(from: string, what: string, limit: number, contentLength?: number): ProxyError {
  return new ProxyError('PROXY_RESPONSE_TOO_LARGE', 502, `${from} sent ${what} larger than ${limit} bytes; the proxy passes on at most that much`, {
    limit,
    ...(contentLength !== undefined ? { contentLength } : {}),
  });
}

function budgetSpent(budget: MemoryBudget): ProxyError {
  return new ProxyError(
    'PROXY_RATE_LIMITED',
    429,
    `The proxy holds as many response bytes in memory as it may (${budget.capacity}, LADING_MAX_BUFFERED_BYTES); try again shortly`,
    { limit: 'buffered-bytes', max: budget.capacity, retryAfterSeconds: 1 },
  );
}

/** Reads `stream` whole within the bounds, or destroys it and throws a ProxyError (502 / 504 / 429). */
export async function readWhole(stream: IncomingMessage, options: WholeBodyOptions): Promise<HeldBody> {
  const { limit, budget } = options;
  const declared = Number(stream.headers['content-length'] ?? NaN);
  const known = Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limit) {
    stream.destroy();
    throw tooLargeError(options.from, options.what, limit, declared);
  }
  const hold = budget.open();
  const fail = (error: ProxyError): never => {
    stream.destroy();
    throw error;
  };
  const timer = setTimeout(() => {
    stream.destroy(new ProxyError('PROXY_TIMEOUT', 504, `${options.from} took more than ${options.deadlineMs} ms to send ${options.what}`));
  }, options.deadlineMs);
  try {
    const body = known ? await readDeclared(stream, declared, hold, budget, fail) : await readChunked(stream, options, hold, fail);
    return { body, release: hold.release };
  } catch (err) {
    hold.release();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** With a Content-Length: one buffer of that size, reserved before the first byte. */
async function readDeclared(
  stream: IncomingMessage,
  declared: number,
  hold: Reservation,
  budget: MemoryBudget,
  fail: (e: ProxyError) => never,
): Promise<Buffer> {
  if (!hold.grow(declared)) fail(budgetSpent(budget));
  const body = Buffer.allocUnsafe(declared);
  let offset = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    // Node's parser enforces Content-Length; this only guards the copy.
    if (offset + buf.length > declared) fail(new ProxyError('PROXY_UPSTREAM_ERROR', 502, 'More bytes than Content-Length'));
    buf.copy(body, offset);
    offset += buf.length;
  }
  return offset === declared ? body : body.subarray(0, offset);
}

/** Without one: chunks reserved as they come, then once more for the copy that joins them. */
async function readChunked(stream: IncomingMessage, options: WholeBodyOptions, hold: Reservation, fail: (e: ProxyError) => never): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > options.limit) fail(tooLargeError(options.from, options.what, options.limit));
    if (!hold.grow(buf.length)) fail(budgetSpent(options.budget));
    chunks.push(buf);
  }
  if (chunks.length === 1) return chunks[0]!;
  if (!hold.grow(size)) fail(budgetSpent(options.budget));
  const body = Buffer.concat(chunks, size);
  hold.shrink(size); // the chunks are garbage now
  return body;
}

/**
 * Releases `held` once `res` has handed its last byte to the kernel, or the browser has gone. Not on
 * the response's `close`: Node emits it right after `finish`, while a slow reader's socket may still
 * hold the whole body in its buffer.
 */
export function releaseWhenSent(res: ServerResponse, held: HeldBody): void {
  const socket = res.socket; // detached from `res` by the time `finish` listeners run
  let done = false;
  const release = (): void => {
    if (done) return;
    done = true;
    held.release();
    // A keep-alive socket serves many responses: leave no listener behind on it.
    socket?.off('close', release);
    socket?.off('drain', release);
  };
  if (!socket || socket.destroyed) {
    release();
    return;
  }
  socket.once('close', release);
  res.once('close', () => {
    if (!res.writableFinished) release(); // ended without sending (the browser went away)
  });
  res.once('finish', () => {
    if (socket.writableNeedDrain) socket.once('drain', release);
    else release();
  });
}
