import { loadSources } from './load.js';
import { indexLogCalls } from './logCalls.js';
import { buildCallGraph } from './callGraph.js';
const root = process.argv[2]!;
const cpu = (f: () => void): number => {
  const s = process.cpuUsage();
  f();
  const u = process.cpuUsage(s);
  return Math.round((u.user + u.system) / 1000);
};
const { files, skipped } = await loadSources(root);
let sites: ReturnType<typeof indexLogCalls> = [];
let g: ReturnType<typeof buildCallGraph> | undefined;
const a = cpu(() => {
  sites = indexLogCalls(files);
});
const b = cpu(() => {
  g = buildCallGraph(files);
});
console.log({
  files: files.length,
  skipped: skipped.length,
  bytes: files.reduce((n, f) => n + f.text.length, 0),
  sites: sites.length,
  withMessage: sites.filter((s) => s.message).length,
  indexCpu: a,
  graphCpu: b,
  stats: g!.stats,
  rssMB: Math.round(process.memoryUsage().rss / 1e6),
});
