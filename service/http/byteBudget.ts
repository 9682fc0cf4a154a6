/**
 * Request body bytes the process holds at once, across requests. Bodies are read only for
 * authenticated callers, but even they must not take the instance past its memory: the budget is
 * the instance concurrency times the 1 MiB body cap.
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit; false if they would take the total past the capacity. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** What one request holds: taken as its body arrives, given back at once when it is done. */
  lease(): BudgetLease {
    let held = 0;
    return {
      take: (bytes) => {
        if (!this.take(bytes)) return false;
        held += bytes;
        return true;
      },
      release: () => {
        this.give(held);
        held = 0;
      },
    };
  }
}

export interface BudgetLease {
  readonly take: (bytes: number) => boolean;
  readonly release: () => void;
}
