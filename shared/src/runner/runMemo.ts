/**
 * What a run's beats hand each other inside one process: the records the load beat read, the extract beat's
 * events, the normalize beat's events. Beats of a run follow each other within milliseconds on the same
 * instance, so passing bulk data through MongoDB between them (as the first version did) cost more than the
 * parsing itself. This is only a cache: a beat that finds nothing here (after a restart, a rebalance, or
 * eviction) recomputes what it needs from the source and the run's recorded starting state, which gives the
 * same result because every step is deterministic given those.
 *
 * Holds at most `maxRuns` runs; the least recently used one is evicted first.
 */
export class RunMemo<Work extends object> {
  private readonly runs = new Map<string, Partial<Work>>();

  constructor(private readonly maxRuns = 2) {
    if (!Number.isInteger(maxRuns) || maxRuns < 1) throw new Error(`maxRuns must be >= 1, got ${maxRuns}`);
  }

  get<K extends keyof Work>(runId: string, key: K): Work[K] | undefined {
    const work = this.runs.get(runId);
    if (!work) return undefined;
    // Refresh its place in the eviction order.
    this.runs.delete(runId);
    this.runs.set(runId, work);
    return work[key];
  }

  set<K extends keyof Work>(runId: string, key: K, value: Work[K]): void {
    const work: Partial<Work> = this.runs.get(runId) ?? {};
    this.runs.delete(runId);
    work[key] = value;
    this.runs.set(runId, work);
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value!);
  }

  /** Lets go of one item once no later beat needs it, so a run's peak memory holds one stage's data. */
  forget(runId: string, key: keyof Work): void {
    const work = this.runs.get(runId);
    if (work) delete work[key];
  }

  drop(runId: string): void {
    this.runs.delete(runId);
  }

  get size(): number {
    return this.runs.size;
  }
}
