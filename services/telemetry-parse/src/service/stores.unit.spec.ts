import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '@self-healing/schemas';
import { TEMPLATE_LAST_SEEN_RESOLUTION_MS, runDocument, templateWrites, type TemplateDoc } from './stores.js';

const seen = (templateId: string, firstSeen: number, lastSeen: number, template = `t ${templateId}`) => ({
  service: 'checkout',
  templateId,
  template,
  firstSeen,
  lastSeen,
});
const stored = (t: ReturnType<typeof seen>, firstRunId = 'run-0'): TemplateDoc => ({
  _id: `${t.service}|${t.templateId}`,
  ...t,
  firstRunId,
});

describe('what a parse run writes of its templates', () => {
  it('given templates never stored, then they are inserted whole, this run their first', () => {
    expect(templateWrites([seen('a', 1, 2)], [], 'run-1')).toEqual({
      inserts: [{ _id: 'checkout|a', ...seen('a', 1, 2), firstRunId: 'run-1' }],
      updates: [],
    });
  });

  it('given templates stored and seen again within the resolution, then nothing is written', () => {
    const before = stored(seen('a', 0, 1_000));
    expect(
      templateWrites([seen('a', 500, 1_000 + TEMPLATE_LAST_SEEN_RESOLUTION_MS - 1)], [before], 'r'),
    ).toEqual({
      inserts: [],
      updates: [],
    });
  });

  it('given a template seen much later, earlier, or with a new text, then it is updated', () => {
    const before = [
      stored(seen('late', 0, 0)),
      stored(seen('early', 5_000, 6_000)),
      stored(seen('text', 0, 0)),
    ];
    const run = [
      seen('late', 1, TEMPLATE_LAST_SEEN_RESOLUTION_MS),
      seen('early', 4_000, 6_000),
      seen('text', 0, 0, 'a new text'),
    ];
    expect(templateWrites(run, before, 'r').updates.map((t) => t.templateId)).toEqual([
      'late',
      'early',
      'text',
    ]);
  });
});

describe("a parse run's document", () => {
  const w = (service: string, windowStart: number, windowMs = 5000) =>
    ({ service, windowStart, windowMs }) as WindowAggregate;
  const at = new Date(0);

  it('given windows of two services, then it carries each service span and the span of all', () => {
    const doc = runDocument('r', [w('b', 10_000), w('a', 5000), w('a', 0), w('b', 30_000, 10_000)], 3, at);
    expect(doc).toEqual({
      _id: 'r',
      runId: 'r',
      aggregates: 4,
      templates: 3,
      storedAt: at,
      services: ['a', 'b'],
      spans: [
        { service: 'a', from: 0, until: 10_000 },
        { service: 'b', from: 10_000, until: 40_000 },
      ],
      windowsFrom: 0,
      windowsUntil: 40_000,
    });
  });

  it('given no windows, then it has no span and no readers find it by time', () => {
    const doc = runDocument('r', [], 0, at);
    expect(doc.services).toEqual([]);
    expect(doc).not.toHaveProperty('windowsFrom');
  });
});
