// Bearer tokens per (registry key, scope), kept until a little before they expire, so later requests
// for the same repository authenticate up front instead of collecting a 401 each time.

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();

  constructor(
    private readonly now: () => number,
    private readonly maxEntries = 1000,
  ) {}

  get(registry: string, scope: string): string | undefined {
    const key = `${registry} ${scope}`;
    const cached = this.tokens.get(key);
    if (!cached) return undefined;
    if (cached.expiresAt <= this.now()) {
      this.tokens.delete(key);
      return undefined;
    }
    return cached.token;
  }

  set(registry: string, scope: string, token: string, expiresInSeconds: number): void {
    const lifetimeMs = expiresInSeconds * 1000;
    const margin = Math.min(10_000, lifetimeMs * 0.1); // never use a token in its last moments
    this.tokens.delete(`${registry} ${scope}`);
    this.tokens.set(`${registry} ${scope}`, { token, expiresAt: this.now() + lifetimeMs - margin });
    // Insertion order is least recently set first: the oldest go when the cache is full.
    for (const oldest of this.tokens.keys()) {
      if (this.tokens.size <= this.maxEntries) break;
      this.tokens.delete(oldest);
    }
  }

  delete(registry: string, scope: string): void {
    this.tokens.delete(`${registry} ${scope}`);
  }
}
