import type { TimestampFields } from './timestamp.js';

/**
 * The year of times written without one (RFC 3164 syslog `Dec 10 06:55:46`, `10.30 16:49:06`), per source:
 * taken from the source's other times that carry a year (another field of the same line, or earlier lines),
 * else from a reference date (the file's date, the time the records were shipped). Months that run backwards
 * by more than half a year mean the year turned (December, then January).
 */
export class YearInference {
  private year: number | null = null;
  private month = 0;

  /** @param reference epoch ms of a date the log is known to end near (a file's mtime), or null. */
  constructor(private readonly reference: number | null = null) {}

  /** A time with a year, from this source: later yearless times follow it. */
  observe(fields: TimestampFields): void {
    if (fields.year === null || fields.month === 0) return;
    this.year = fields.year;
    this.month = fields.month;
  }

  /** The year of a yearless time, or null when neither the source nor the reference tells it. */
  yearOf(fields: TimestampFields): number | null {
    if (fields.year !== null) return fields.year;
    if (fields.month === 0) return null;
    if (this.year === null) {
      if (this.reference === null) return null;
      const ref = new Date(this.reference);
      // The log ends near the reference: a month after the reference's month belongs to the year before.
      const y = ref.getUTCFullYear();
      this.year = fields.month > ref.getUTCMonth() + 1 ? y - 1 : y;
      this.month = fields.month;
      return this.year;
    }
    if (fields.month + 6 < this.month) {
      this.year++;
      this.month = fields.month;
    } else if (fields.month > this.month + 6) {
      // A line out of order across the turn of the year: the year before, without moving the source on.
      return this.year - 1;
    } else this.month = fields.month;
    return this.year;
  }
}
