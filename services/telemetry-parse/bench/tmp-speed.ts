import { TemplateMiner } from '../src/mining/index.js';
import { appMessages, loghubMessages } from './miner-speed.js';
for (const which of ['app', 'loghub']) {
  const msgs = which === 'app' ? appMessages(200000) : loghubMessages('/work/shared/datasets/loghub');
  const rates: number[] = [];
  for (let r = 0; r < 9; r++) {
    const m = new TemplateMiner();
    const t = performance.now();
    for (const s of msgs) m.add(s);
    rates.push(Math.round((msgs.length / (performance.now() - t)) * 1000));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  console.log(which, 'median', sorted[4], 'max', sorted[8], rates.join(' '));
}
