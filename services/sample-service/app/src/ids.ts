/**
 * Sequential identifiers per kind (`c-1`, `o-1`, ...). A process serves one in-memory store, so a counter is
 * unique and makes responses reproducible.
 */
export class IdSequence {
  private readonly next = new Map<string, number>();

  take(prefix: string): string {
    const n = (this.next.get(prefix) ?? 0) + 1;
    this.next.set(prefix, n);
    return `${prefix}-${n}`;
  }
}
