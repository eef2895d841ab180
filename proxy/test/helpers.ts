// Local servers for the proxy tests: fake registries, token realms and storage, all on 127.0.0.1
// ephemeral ports, plus a small HTTP client that shows exactly what the proxy answered.

import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createConfig, type ConfigOverrides } from '../src/config';
import { createLadingServer } from '../src/server';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface TestServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as a registry host in a route. */
  host: string;
  port: number;
  requests: Recorded[];
  server: http.Server;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP server that answers however `onRequest` likes, byte by byte, for what node:http will not
 * send (a 101 to a plain GET, a close-delimited body, a reset). `onRequest` gets the socket once the
 * request head has arrived.
 */
export async function startRawServer(onRequest: (socket: net.Socket, head: string) => void): Promise<TestServer & { sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const requests: Recorded[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const [requestLine = ''] = head.split('\r\n');
      const [method = '', url = ''] = requestLine.split(' ');
      requests.push({ method, url, headers: {} });
      onRequest(socket, head.slice(0, end));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests,
    sockets,
    server: server as unknown as http.Server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** What a browser-like client (fetch, reading the body as a stream) ends up with. */
export async function fetchOutcome(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; bytes: number; outcome: 'complete' | 'error'; headers: Headers }> {
  const res = await fetch(url, { headers });
  let bytes = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
    return { status: res.status, bytes, outcome: 'complete', headers: res.headers };
  } catch {
    return { status: res.status, bytes, outcome: 'error', headers: res.headers };
  }
}

/** Resolves once `check` holds, polling every 20 ms; rejects after `ms`. */
export async function eventually(check: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The proxy under test, with quiet logging unless a test wants the lines. */
export async function startProxy(overrides: ConfigOverrides = {}): Promise<TestServer & { logs: string[]; server: ReturnType<typeof createLadingServer> }> {
  const logs: string[] = [];
  const config = createConfig({ log: (line) => logs.push(line), ...overrides });
  const server = createLadingServer(config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    requests: [],
    server,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export function request(url: string, options: { method?: string; headers?: OutgoingHttpHeaders } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The `errors[].code` values of a registry-shaped error body. */
export function errorCodes(reply: Reply): string[] {
  const parsed = JSON.parse(reply.text) as { errors: { code: string }[] };
  return parsed.errors.map((e) => e.code);
}

export function json(res: ServerResponse, status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function registryError(res: ServerResponse, status: number, code: string, message: string, headers: OutgoingHttpHeaders = {}): void {
  json(res, status, { errors: [{ code, message, detail: null }] }, headers);
}

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;
