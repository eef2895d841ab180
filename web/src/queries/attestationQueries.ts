/**
 * Attestation and signature content through TanStack Query. Everything here is addressed by
 * a digest and verified against it, so it never goes stale. Statements up to 5 MB are decoded
 * on the page; bigger ones (SBOMs of large images) are hashed and parsed in a worker.
 */
import { queryOptions, skipToken, useQuery } from '@tanstack/react-query';
import { parseSimpleSigning, type SimpleSigningPayload } from '../core/attestations/cosign';
import { decodeStatement, type DecodedStatement } from '../core/attestations/statement';
import { RegistryError } from '../core/errors';
import type { Descriptor } from '../core/oci';
import { readLimited, type Repository } from '../core/registry/client';
import { decodeStatementInWorker } from '../worker/bridge';
import { registryClient } from './registryClient';

/** Statements larger than this are refused. */
export const MAX_STATEMENT_BYTES = 64 * 1024 * 1024;
/** Statements up to this size are decoded on the page; larger ones in a worker. */
export const MAIN_THREAD_STATEMENT_BYTES = 5 * 1024 * 1024;

export const attestationKeys = {
  all: ['attestation'] as const,
  statement: (repo: Repository, digest: string) => [...attestationKeys.all, repo.domain, repo.path, 'statement', digest] as const,
  signingPayload: (repo: Repository, digest: string) => [...attestationKeys.all, repo.domain, repo.path, 'signing-payload', digest] as const,
  jsonBlob: (repo: Repository, digest: string) => [...attestationKeys.all, repo.domain, repo.path, 'json', digest] as const,
};

export async function fetchStatement(repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>, signal?: AbortSignal): Promise<DecodedStatement> {
  const subject = `statement ${descriptor.digest} of ${repo.domain}/${repo.path}`;
  if (descriptor.size > MAX_STATEMENT_BYTES) {
    throw new RegistryError(`${subject} is ${descriptor.size} bytes; Lading reads statements up to ${MAX_STATEMENT_BYTES} bytes`, 0, [], 'proxy', subject);
  }
  const response = await registryClient.openBlob(repo, descriptor.digest, signal);
  const bytes = await readLimited(response, MAX_STATEMENT_BYTES, subject, signal);
  if (bytes.byteLength > MAIN_THREAD_STATEMENT_BYTES && typeof Worker !== 'undefined')
    return decodeStatementInWorker(bytes, descriptor.digest, subject, signal);
  return decodeStatement(bytes, descriptor.digest, subject);
}

export const attestationQueries = {
  statement: (repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>) =>
    queryOptions({
      queryKey: attestationKeys.statement(repo, descriptor.digest),
      queryFn: ({ signal }) => fetchStatement(repo, descriptor, signal),
      staleTime: Infinity,
      gcTime: 10 * 60_000,
    }),
  /** cosign's simple-signing payload: what the signature is over. */
  signingPayload: (repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>) =>
    queryOptions({
      queryKey: attestationKeys.signingPayload(repo, descriptor.digest),
      queryFn: async ({ signal }): Promise<SimpleSigningPayload> => parseSimpleSigning(await registryClient.fetchJsonBlob<unknown>(repo, descriptor, signal)),
      staleTime: Infinity,
    }),
  /** A small JSON blob such as an artifact's config (Helm's Chart.yaml as JSON). */
  jsonBlob: (repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'>) =>
    queryOptions({
      queryKey: attestationKeys.jsonBlob(repo, descriptor.digest),
      queryFn: ({ signal }) => registryClient.fetchJsonBlob<unknown>(repo, descriptor, signal),
      staleTime: Infinity,
    }),
};

const NO_REPO: Repository = { domain: '', path: '' };
const NO_BLOB = { digest: '', size: 0 };

export function useStatement(repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'> | undefined) {
  const options = attestationQueries.statement(repo, descriptor ?? NO_BLOB);
  return useQuery({ ...options, queryFn: descriptor ? options.queryFn : skipToken });
}

export function useSigningPayload(repo: Repository, descriptor: Pick<Descriptor, 'digest' | 'size'> | undefined) {
  const options = attestationQueries.signingPayload(repo, descriptor ?? NO_BLOB);
  return useQuery({ ...options, queryFn: descriptor ? options.queryFn : skipToken });
}

export function useJsonBlob(repo: Repository | undefined, descriptor: Pick<Descriptor, 'digest' | 'size'> | undefined) {
  const options = attestationQueries.jsonBlob(repo ?? NO_REPO, descriptor ?? NO_BLOB);
  return useQuery({ ...options, queryFn: repo && descriptor ? options.queryFn : skipToken });
}
