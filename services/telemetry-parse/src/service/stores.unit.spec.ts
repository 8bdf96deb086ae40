import { describe, expect, it } from 'vitest';
import { TEMPLATE_LAST_SEEN_RESOLUTION_MS, templateWrites, type TemplateDoc } from './stores.js';

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
