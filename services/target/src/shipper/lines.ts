/** A run of complete lines cut from a log file, and where it starts and ends (byte offsets). */
export interface LineBatch {
  fromOffset: number;
  /** The offset after the last newline taken: where the next batch (or a restarted shipper) starts. */
  toOffset: number;
  lines: string[];
}

/**
 * Cuts complete lines out of bytes read at `offset`. A last line without its newline stays unread (the writer is
 * in the middle of it); it is taken on a later read. Batches hold at most `maxLines` lines and `maxBytes` bytes
 * (a longer single line is its own batch), so one Kafka request stays well under the broker's size limit.
 */
export function cutLines(bytes: Buffer, offset: number, maxLines: number, maxBytes: number): LineBatch[] {
  const batches: LineBatch[] = [];
  let start = 0;
  let current: LineBatch | null = null;
  let currentBytes = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) break;
    const lineBytes = nl + 1 - start;
    if (current && (current.lines.length >= maxLines || currentBytes + lineBytes > maxBytes)) {
      batches.push(current);
      current = null;
    }
    if (!current) {
      current = { fromOffset: offset + start, toOffset: offset + start, lines: [] };
      currentBytes = 0;
    }
    let line = bytes.toString('utf8', start, nl);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.length > 0) current.lines.push(line);
    current.toOffset = offset + nl + 1;
    currentBytes += lineBytes;
    start = nl + 1;
  }
  if (current) batches.push(current);
  return batches;
}
