/**
 * Keeps the first and the last bytes of a stream, at most `max` in all, whatever the stream's length: a process that
 * writes without end costs the platform no more memory than this. The head says how the run began (the test
 * runner's start, the first failure); the tail says how it ended (the summary).
 */
export class HeadAndTail {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  total = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.ceil(this.max / 2) - this.headBytes;
    if (headRoom > 0) {
      // A copy: a slice would keep the stream's whole 64 KiB chunk alive.
      const taken = Buffer.from(chunk.subarray(0, headRoom));
      this.head.push(taken);
      this.headBytes += taken.length;
      chunk = chunk.subarray(taken.length);
    }
    if (chunk.length === 0) return;
    const tailMax = Math.floor(this.max / 2);
    this.tail.push(chunk.length > tailMax ? chunk.subarray(chunk.length - tailMax) : chunk);
    this.tailBytes += Math.min(chunk.length, tailMax);
    while (this.tailBytes > tailMax && this.tail.length > 0) {
      const first = this.tail[0]!;
      const excess = this.tailBytes - tailMax;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
      }
    }
  }

  get truncated(): boolean {
    return this.total > this.headBytes + this.tailBytes;
  }

  text(): string {
    const head = Buffer.concat(this.head).toString('utf8');
    const tail = Buffer.concat(this.tail).toString('utf8');
    if (!this.truncated) return head + tail;
    const omitted = this.total - this.headBytes - this.tailBytes;
    return `${head}\n[… ${omitted} bytes omitted by the sandbox …]\n${tail}`;
  }
}
