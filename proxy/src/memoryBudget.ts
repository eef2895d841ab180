// One budget for the bytes of upstream bodies the proxy holds in memory (manifests, tag lists and
// other JSON read whole, error bodies, token answers), so that the server's memory is bounded by
// configuration (LADING_MAX_BUFFERED_BYTES) rather than by how many slow large answers arrive at
// once: 256 open requests × a 4 MiB manifest would otherwise be 1 GiB. Streamed blobs are not in it:
// they hold a socket buffer's worth each, bounded by the concurrency caps.

/** Bytes held for one body; grows as the body arrives, released once the browser has it. */
export interface Reservation {
  readonly bytes: number;
  /** Takes `n` more bytes from the budget; false (and nothing taken) when that would overspend it. */
  grow(n: number): boolean;
  /** Gives `n` bytes back (after a copy made earlier chunks garbage). */
  shrink(n: number): void;
  /** Gives everything back; calling it again does nothing. */
  release(): void;
}

export class MemoryBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  /** Bytes reserved now, for tests and the load bench. */
  get inUse(): number {
    return this.used;
  }

  open(): Reservation {
    let held = 0;
    return {
      get bytes() {
        return held;
      },
      grow: (n) => {
        if (this.used + n > this.capacity) return false;
        this.used += n;
        held += n;
        return true;
      },
      shrink: (n) => {
        const given = Math.min(n, held);
        held -= given;
        this.used -= given;
      },
      release: () => {
        this.used -= held;
        held = 0;
      },
    };
  }
}
