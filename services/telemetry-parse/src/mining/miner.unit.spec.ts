import { describe, expect, it } from 'vitest';
import { TemplateMiner } from './miner.js';
import { templateIdOf } from './template-id.js';

const LINES = [
  'session 4711 opened for user alice from 10.1.2.3:5500',
  'session 4712 opened for user bob from 10.1.2.4:5501',
  'cache warmed in 120 ms',
  'cache warmed in 95 ms',
  'worker 3 state changed to RUNNING',
  'worker 4 state changed to STOPPED',
  'session 4713 opened for user carol from 10.1.2.9:5502',
];

describe('TemplateMiner', () => {
  it('given messages differing only in variables, then they share one template with the values as params', () => {
    const m = new TemplateMiner();
    const a = m.add('session 4711 opened for user alice from 10.1.2.3:5500');
    const b = m.add('session 4712 opened for user bob from 10.1.2.4:5501');
    expect(a.isNew).toBe(true);
    expect(b.isNew).toBe(false);
    expect(b.template).toBe('session <*> opened for user <*> from <*>:<*>');
    expect(b.params).toEqual(['4712', 'bob', '10.1.2.4', '5501']);
    expect(b.changedFrom).toBe(a.templateId);
    expect(b.templateId).toBe(templateIdOf(b.template));
    expect(m.resolveId(a.templateId)).toBe(b.templateId);
  });

  it('given different enumeration constants at one position, then they stay separate templates', () => {
    const m = new TemplateMiner();
    const a = m.add('worker 3 state changed to RUNNING');
    const b = m.add('worker 4 state changed to STOPPED');
    expect(a.template).toBe('worker <*> state changed to RUNNING');
    expect(b.template).toBe('worker <*> state changed to STOPPED');
    expect(a.templateId).not.toBe(b.templateId);
  });

  it('given messages that differ in a whole phrase, then they are different templates', () => {
    const m = new TemplateMiner();
    const a = m.add('upload to 10.0.0.1 failed - could not resolve host name error 11');
    const b = m.add('upload to 10.0.0.2 failed - connection attempt timed out error 12');
    expect(a.templateId).not.toBe(b.templateId);
    expect(b.isNew).toBe(true);
  });

  it('given a template variable under a differing phrase, then the phrase still counts as different', () => {
    const m = new TemplateMiner();
    m.add('client wants to renew session 0x1f at 10.0.0.1:41');
    m.add('client wants to renew session 0x2e at 10.0.0.2:42');
    const c = m.add('client wants to establish new session at 10.0.0.3:43');
    expect(c.isNew).toBe(true);
    expect(c.template).toBe('client wants to establish new session at <*>:<*>');
  });

  it('given a generalised key=value token, then the key survives', () => {
    const m = new TemplateMiner();
    m.add('login failed user=alice reason=expired');
    const r = m.add('login failed user=bob reason=expired');
    expect(r.template).toBe('login failed user=<*> reason=expired');
    expect(r.params).toEqual(['bob']);
  });

  it('given a snapshot, then a restored miner keeps ids and state and goes on identically', () => {
    const a = new TemplateMiner();
    for (const l of LINES) a.add(l);
    const state = JSON.parse(JSON.stringify(a.snapshot())) as ReturnType<TemplateMiner['snapshot']>;
    const b = TemplateMiner.restore(state);
    expect(b.templates()).toEqual(a.templates());
    const next = 'session 4714 opened for user dave from 10.1.2.10:5503';
    expect(b.add(next)).toEqual(a.add(next));
    expect(b.stats()).toEqual(a.stats());
  });

  it('given the same messages in different orders on two replicas, then both end with the same template ids', () => {
    const a = new TemplateMiner();
    const b = new TemplateMiner();
    for (const l of LINES) a.add(l);
    for (const l of [...LINES].reverse()) b.add(l);
    const ids = (m: TemplateMiner): string[] =>
      m
        .templates()
        .map((t) => t.templateId)
        .sort();
    expect(ids(a)).toEqual(ids(b));
    expect(a.match('cache warmed in 7 ms')?.templateId).toBe(b.match('cache warmed in 7 ms')?.templateId);
  });

  it('given match(), then nothing is learned and unknown messages give null', () => {
    const m = new TemplateMiner();
    m.add('cache warmed in 120 ms');
    m.add('cache warmed in 95 ms');
    expect(m.match('cache warmed in 3 ms')).toMatchObject({
      template: 'cache warmed in <*> ms',
      params: ['3'],
    });
    expect(m.match('totally different words here')).toBeNull();
    expect(m.stats().templates).toBe(1);
  });

  it('given more templates than the cap, then the least recently used one is evicted and counted', () => {
    const m = new TemplateMiner({ maxTemplates: 2 });
    const first = m.add('alpha event happened');
    m.add('beta thing occurred now');
    m.add('alpha event happened'); // alpha is now more recent than beta
    m.add('gamma sequence completed fully ok');
    const texts = m.templates().map((t) => t.template);
    expect(texts).toEqual(['alpha event happened', 'gamma sequence completed fully ok']);
    expect(m.stats().evicted).toBe(1);
    expect(m.resolveId(first.templateId)).toBe(first.templateId);
  });

  it('given a variable slot that later carries another unit, then the template drops the unit but keeps punctuation', () => {
    const m = new TemplateMiner();
    m.add('stored block (size 5.2 KB, free 9.1 GB)');
    const r = m.add('stored block (size 16.0 B, free 9.0 GB)');
    expect(r.template).toBe('stored block (size <*>, free <*> GB)');
    expect(r.params).toEqual(['16.0 B', '9.0']);
  });
});
