/**
 * Writes a bundled log set of the sample service: `<out>` (JSON lines) and `<out>.labels.json` (ground truth).
 *
 *   npx tsx --conditions=development services/sample-service/src/write-logset.ts out/checkout.log \
 *     [--faults latency-regression,error-burst] [--seed 1] [--minutes 20] [--rate 5] [--start 2026-01-01T00:00:00Z]
 *
 * `latency` and `latency-regression` are the same fault; every fault kind: skipped-step, reordered-step,
 * new-exception, error-burst, latency-regression.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultFaultPlan, faultKinds, generateTraffic } from './traffic.js';
import type { FaultKind } from './traffic.js';

const aliases: Record<string, FaultKind> = { latency: 'latency-regression', exception: 'new-exception' };

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      faults: { type: 'string', default: '' },
      seed: { type: 'string', default: '1' },
      minutes: { type: 'string', default: '20' },
      rate: { type: 'string', default: '5' },
      start: { type: 'string', default: '2026-01-01T00:00:00Z' },
    },
  });
  const out = positionals[0];
  if (!out) {
    process.stderr.write(
      'usage: write-logset.ts <out> [--faults kind,kind] [--seed N] [--minutes N] [--rate N] [--start ISO]\n',
    );
    process.exit(2);
  }
  const kinds = values.faults
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0)
    .map((k) => aliases[k] ?? k);
  const unknown = kinds.filter((k) => !faultKinds.includes(k as FaultKind));
  if (unknown.length > 0) {
    process.stderr.write(`unknown fault kind(s): ${unknown.join(', ')}; known: ${faultKinds.join(', ')}\n`);
    process.exit(2);
  }
  const start = Date.parse(values.start);
  const durationMs = Number(values.minutes) * 60_000;
  if (!Number.isFinite(start) || !(durationMs > 0) || !(Number(values.rate) > 0)) {
    process.stderr.write('--start must be an ISO time, --minutes and --rate positive numbers\n');
    process.exit(2);
  }
  const traffic = generateTraffic({
    seed: Number(values.seed),
    start,
    durationMs,
    ratePerSecond: Number(values.rate),
    faults: defaultFaultPlan(kinds as FaultKind[], start, durationMs),
  });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, traffic.lines.join('\n') + '\n');
  writeFileSync(`${out}.labels.json`, JSON.stringify(traffic.labels, null, 2) + '\n');
  process.stdout.write(
    `${traffic.lines.length} lines -> ${out}; ${traffic.labels.length} fault label(s) -> ${out}.labels.json\n`,
  );
}

main();
