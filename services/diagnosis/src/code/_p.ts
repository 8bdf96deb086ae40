import { loadSources } from './load.js';
import { indexLogCalls } from './logCalls.js';
import { buildCallGraph } from './callGraph.js';
const { files } = await loadSources(process.argv[2]!);
const cpu = (f: () => void): number => {
  const s = process.cpuUsage();
  f();
  const u = process.cpuUsage(s);
  return Math.round((u.user + u.system) / 1000);
};
let e1 = '',
  e2 = '',
  e3 = '';
console.log(
  'index',
  cpu(() => indexLogCalls(files)),
);
console.log(
  'graph',
  cpu(() => {
    e1 = JSON.stringify(buildCallGraph(files).edges);
  }),
);
console.log(
  'graph again, shared trees',
  cpu(() => {
    e2 = JSON.stringify(buildCallGraph(files).edges);
  }),
);
const copies = files.map((f) => ({ ...f }));
console.log(
  'graph, fresh trees',
  cpu(() => {
    e3 = JSON.stringify(buildCallGraph(copies).edges);
  }),
);
console.log('same edges', e1 === e2, e1 === e3, e1.length);
const prog = files.filter((f) => !/(^|\/)(test|tests|__tests__)\/|\.(spec|test)\.[cm]?[jt]sx?$/.test(f.path));
console.log(
  'graph without tests',
  prog.length,
  cpu(() => buildCallGraph(prog.map((f) => ({ ...f })))),
);
