/**
 * A registry client that speaks the distribution API through Lading's proxy
 * (`<baseUrl>/<domain>/v2/<path>/manifests/<ref>`). Pure: it only needs `fetch`, so it
 * runs in the page, in a worker and in Node.
 *
 * Everything fetched by digest is verified: a manifest or config that does not hash to
 * its digest is an error, never shown.
 */
import { DIGEST_CHECK_HEADER, isDigest, sha256Digest } from '../digest';
import { concatBytes } from '../layers/chunks';
import { DigestMismatchError, RegistryError, parseDiagnostics, readRateLimit, readRetryAt, type RateLimit } from '../errors';
import { MANIFEST_ACCEPT, classifyManifest, type ManifestDocument } from '../mediaTypes';
import { MAX_DOCUMENT_BYTES, type Descriptor } from '../oci';
import type { ImageReference } from '../reference';

export type Repository = Pick<ImageReference, 'domain' | 'path'>;

export interface RegistryClientOptions {
  /** Where the proxy's registry routes live, e.g. `http://127.0.0.1:8080/registry`. */
  baseUrl: string;
  fetch?: typeof fetch;
}

export interface FetchedManifest {
  /** sha256 of the bytes received: the content address of this manifest. */
  digest: string;
  /** What the registry said the digest is (Docker-Content-Digest), if it said. */
  registryDigest?: string;
  /** The registry's pull quota as it stood after this request (Docker Hub's ratelimit-* headers). */
  rateLimit?: RateLimit;
  size: number;
  document: ManifestDocument;
}

export class RegistryClient {
  readonly baseUrl: string;
  /** The fetch it uses; layers made from its documents use the same one. */
  readonly fetchImpl: typeof fetch;

  constructor(options: RegistryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    // Bound so that `this` inside fetch is the global object, as browsers require.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  repositoryUrl(repo: Repository): string {
    return `${this.baseUrl}/${repo.domain}/v2/${repo.path}`;
  }

  manifestUrl(repo: Repository, reference: string): string {
    return `${this.repositoryUrl(repo)}/manifests/${encodeURIComponent(reference).replace(/%3A/gi, ':')}`;
  }

  blobUrl(repo: Repository, digest: string): string {
    return `${this.repositoryUrl(repo)}/blobs/${digest}`;
  }

  /**
   * The proxy's route for a foreign-layer URL (Windows base layers on mcr.microsoft.com): it sits
   * beside the registry routes on the same origin, checks the address it dials and passes on at
   * most `size` bytes; the digest is verified by whoever reads the bytes.
   */
  foreignUrl(url: string, digest: string, size: number): string {
    const origin = new URL(this.baseUrl).origin;
    return `${origin}/foreign?${new URLSearchParams({ url, digest, size: String(size) }).toString()}`;
  }

  /** GET a foreign layer through the proxy; a RegistryError for anything but a 2xx answer. */
  async openForeign(url: string, digest: string, size: number, signal?: AbortSignal): Promise<Response> {
    return this.request(this.foreignUrl(url, digest, size), { signal }, `foreign layer ${digest} from ${url}`);
  }

  /** GET a manifest by tag or digest; verifies it against the digest when one was asked for. */
  async fetchManifest(repo: Repository, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const subject = `manifest ${reference} of ${repo.domain}/${repo.path}`;
    let response: Response;
    try {
      response = await this.request(this.manifestUrl(repo, reference), { headers: { Accept: MANIFEST_ACCEPT }, signal }, subject);
    } catch (error) {
      throw await this.explainNotFound(error, repo, signal);
    }
    const bytes = await readLimited(response, MAX_DOCUMENT_BYTES, subject);
    const digest = sha256Digest(bytes);
    if (isDigest(reference) && reference.startsWith('sha256:') && reference !== digest) {
      throw new DigestMismatchError(subject, reference, digest);
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      body = undefined;
    }
    const registryDigest = response.headers.get('docker-content-digest') ?? undefined;
    const rateLimit = readRateLimit(response.headers);
    return {
      digest,
      ...(registryDigest !== undefined ? { registryDigest } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      size: bytes.byteLength,
      document: classifyManifest(body, response.headers.get('content-type') ?? undefined),
    };
  }

  /**
   * Registries (distribution among them) answer MANIFEST_UNKNOWN for a manifest of a
   * repository that does not exist at all. To say which is missing, ask for the
   * repository's tags: NAME_UNKNOWN there means the repository is unknown.
   */
  private async explainNotFound(error: unknown, repo: Repository, signal?: AbortSignal): Promise<unknown> {
    if (!(error instanceof RegistryError) || error.status !== 404 || error.hasCode('NAME_UNKNOWN')) return error;
    try {
      const probe = await this.fetchImpl(`${this.repositoryUrl(repo)}/tags/list?n=1`, { signal });
      await probe.body?.cancel();
      if (probe.status !== 404) return error;
    } catch {
      return error;
    }
    const unknown = { code: 'NAME_UNKNOWN', message: `repository ${repo.path} not known to registry (its tag list is 404)` };
    return new RegistryError(error.message, error.status, [unknown, ...error.diagnostics], error.source, error.subject, error.retryAt, error.rateLimit);
  }

  /** GET a small JSON blob (an image config) and verify it against its descriptor. */
  async fetchJsonBlob<T>(repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>, signal?: AbortSignal): Promise<T> {
    const subject = `blob ${descriptor.digest} of ${repo.domain}/${repo.path}`;
    if (descriptor.size > MAX_DOCUMENT_BYTES) {
      throw new RegistryError(`${subject} is ${descriptor.size} bytes, too large for a config`, 0, [], 'proxy', subject);
    }
    const response = await this.request(this.blobUrl(repo, descriptor.digest), { signal }, subject);
    const bytes = await readLimited(response, MAX_DOCUMENT_BYTES, subject);
    const digest = sha256Digest(bytes);
    if (descriptor.digest.startsWith('sha256:') && digest !== descriptor.digest) {
      throw new DigestMismatchError(subject, descriptor.digest, digest);
    }
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  }

  /** Opens a blob's stored bytes as a stream (the caller verifies while reading). */
  /**
   * `checkDigest`: ask the proxy to check the whole blob's digest as it streams (its answer then
   * carries `Lading-Digest-Check: <digest>`; proxy/src/digestCheck.ts).
   */
  async openBlob(
    repo: Repository,
    digest: string,
    signal?: AbortSignal,
    range?: { start: number; end?: number },
    options: { checkDigest?: boolean } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (range) headers.Range = `bytes=${range.start}-${range.end ?? ''}`;
    if (options.checkDigest) headers[DIGEST_CHECK_HEADER] = 'on';
    return this.request(this.blobUrl(repo, digest), { headers, signal }, `blob ${digest} of ${repo.domain}/${repo.path}`);
  }

  /** GET that turns every non-2xx answer and every network failure into a RegistryError. */
  private async request(url: string, init: RequestInit, subject: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetchImpl(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason ?? error;
      throw new RegistryError(
        `Could not reach the Lading proxy for ${subject}: ${error instanceof Error ? error.message : String(error)}`,
        0,
        [],
        'network',
        subject,
      );
    }
    if (response.ok) return response;
    throw await registryErrorFrom(response, subject);
  }
}

export async function registryErrorFrom(response: Response, subject: string): Promise<RegistryError> {
  let body: unknown;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const diagnostics = parseDiagnostics(body);
  const source = response.headers.get('x-lading-error-source') === 'proxy' ? 'proxy' : 'registry';
  const first = diagnostics[0];
  const message = first ? `${first.code}: ${first.message}` : `HTTP ${response.status} ${response.statusText}`.trim();
  const retryAt = readRetryAt(response.headers);
  const rateLimit = readRateLimit(response.headers);
  return new RegistryError(`${subject}: ${message}`, response.status, diagnostics, source, subject, retryAt, rateLimit);
}

/**
 * Reads a whole body into memory, refusing more than `limit` bytes (declared or received),
 * and stopping promptly when `signal` aborts.
 */
export async function readLimited(response: Response, limit: number, subject: string, signal?: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel();
    throw new RegistryError(`${subject} is ${declared} bytes; documents over ${limit} bytes are refused`, response.status, [], 'proxy', subject);
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    if (signal?.aborted) {
      await reader.cancel();
      throw signal.reason;
    }
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new RegistryError(`${subject} exceeds ${limit} bytes; refused`, response.status, [], 'proxy', subject);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, total);
}
