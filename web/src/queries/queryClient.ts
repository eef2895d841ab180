import { QueryClient } from '@tanstack/react-query';
import { RegistryError } from '../core/errors';

/** Retry only what a retry can fix: network trouble and 5xx. 429 says when; 4xx never changes. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < 2 && error instanceof RegistryError && error.temporary && error.status !== 429;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false, gcTime: 30 * 60_000 },
    },
  });
}
