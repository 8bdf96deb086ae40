import { MongoClient } from 'mongodb';
import { mergeContributions, completeWindows } from './src/service/windows.ts';
import { observePerformance } from './src/service/performanceByService.ts';
import { HOUR_SCALE_DETECTOR_OPTIONS } from './src/performance/index.ts';
const c = await MongoClient.connect('mongodb://127.0.0.1:27018/');
const db = c.db(process.argv[2]);
const runs = await db.collection('telemetry_runs').find({}).sort({ storedAt: 1 }).toArray();
const rows = (await db.collection('telemetry_aggregates').find({}).toArray()).map((r: any) => ({ ...r, latencySketch: r.latencySketch ? new Uint8Array(r.latencySketch.buffer) : null }));
const order = new Map(runs.map((r: any, i: number) => [r.runId, i]));
let state: any;
const seen: Record<string, number> = {};
for (const [i, run] of runs.entries()) {
  const own = rows.filter((a: any) => a.runId === run.runId);
  if (!own.length) continue;
  const until = run.windowsUntil;
  const from = Math.min(...own.map((a: any) => a.windowStart));
  const services = new Set(own.map((a: any) => a.service));
  const contrib = rows.filter((a: any) => order.get(a.runId)! <= i && services.has(a.service) && a.windowStart >= from && a.windowStart < until);
  const whole = completeWindows(mergeContributions(contrib as any), until);
  for (const w of whole) if (w.service === 'checkout-1' && /authenticated/.test(w.template)) { const m = new Date(w.windowStart).toISOString().slice(14, 19); seen[m] = w.latency?.count ?? 0; }
  const r = observePerformance(whole, state, () => HOUR_SCALE_DETECTOR_OPTIONS);
  state = structuredClone(r.state);
  for (const f of r.findings) console.log(f.service, f.rule, f.explanation.slice(0, 160));
}
console.log(JSON.stringify(seen));
await c.close();
