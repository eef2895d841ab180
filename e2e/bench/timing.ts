/** A command timed over several rounds: the best, and every round (its own module so the per-image benches and the report share it without importing each other). */
export interface Timing {
  bestMs: number;
  allMs: number[];
}
