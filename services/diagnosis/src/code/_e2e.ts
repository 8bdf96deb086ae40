import { readFileSync } from 'node:fs';
import { TemplateMiner } from '../../../telemetry-parse/src/mining/index.js';
import { loadSources } from './load.js';
import { indexLogCalls } from './logCalls.js';
import { matchTemplate } from './match.js';
const miner = new TemplateMiner();
for (const line of readFileSync('/tmp/cg/checkout.log', 'utf8').split('\n')) {
  if (!line) continue;
  miner.add(JSON.parse(line).msg);
}
const sites = indexLogCalls((await loadSources('/work/main/services/sample-service/app')).files);
for (const t of miner.templates().sort((a, b) => b.count - a.count)) {
  const m = matchTemplate(t.template, sites, { limit: 2 });
  console.log(
    String(t.count).padStart(5),
    t.template.padEnd(70),
    '|',
    m
      .map(
        (x) => `${x.site.path.replace('src/', '')}:${x.site.line} ${x.score.toFixed(2)} "${x.site.message}"`,
      )
      .join(' || '),
  );
}
