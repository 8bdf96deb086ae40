import { EXIT } from './exitCodes.js';

/** Output for people by default, JSON for scripts with `--json`; errors on stderr with a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Exits once stdout and stderr have taken everything written to them. `process.exit` right away drops what a
 * pipe has not read yet (output cut at 64 KiB); a write's callback runs once it and every earlier write are done.
 */
export function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/**
 * Progress of a command that takes longer than a second, on stderr (stdout stays for the result, and pure JSON
 * with `--json`). On a terminal it redraws one line; elsewhere it writes a line at most every few seconds.
 */
export function progress(label: string): { update(detail: string): void; done(detail?: string): void } {
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  let last = 0;
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  return {
    update(detail: string) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000) || now - started < 1000) return;
      last = now;
      process.stderr.write(
        tty ? `\r\x1b[K${label}: ${detail} (${seconds()} s)` : `${label}: ${detail} (${seconds()} s)\n`,
      );
    },
    done(detail?: string) {
      // Commands done within a second say nothing here: their result is on stdout.
      if (now() - started < 1000) return;
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}${label}: ${detail ?? 'done'} (${seconds()} s)\n`);
    },
  };
}

const now = () => Date.now();

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (v: unknown) =>
    v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const widths = columns.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.slice(0, widths[i]).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => cell(r[c])))}\n`);
}

export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined
    ? '-'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

const ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** Ids given on the command line (incidents, patches, diagnoses...): a usage error names the first bad one. */
export function checkIds(values: Array<string | undefined>): void {
  for (const v of values)
    if (v !== undefined && !ID.test(v))
      throw new CliError(`not an id: ${JSON.stringify(v.slice(0, 60))}`, EXIT.usage);
}
