import { describe, expect, it } from 'vitest';
import type { Finding } from '@self-healing/schemas';
import { EVENT_FINDINGS_BYTES, EVENT_FINDINGS_LIMIT, findingsForEvent } from './eventFindings.js';

const finding = (i: number, rule: string, magnitude: number, service = 'checkout', text = ''): Finding => ({
  id: `f-${i}`,
  kind: 'behavioral',
  rule,
  service,
  subject: 's',
  templateIds: [],
  since: i,
  at: i,
  magnitude,
  explanation: `finding ${i} ${text}`,
  evidence: {},
});

describe("a detector event's findings", () => {
  it('given few findings, then all of them, in order', () => {
    const fs = [finding(1, 'a', 1), finding(2, 'b', 9)];
    expect(findingsForEvent(fs)).toEqual({ findings: fs, findingsTotal: 2 });
  });

  it("given thousands of one rule and a few of another, then a bounded sample that keeps the other rule's", () => {
    const fs = [
      ...Array.from({ length: 4000 }, (_, i) => finding(i, 'unexpected-step', i % 7)),
      finding(5000, 'missing-step', 0.1),
      finding(5001, 'missing-step', 0.2, 'billing'),
    ];
    const { findings, findingsTotal } = findingsForEvent(fs);
    expect(findingsTotal).toBe(4002);
    expect(findings).toHaveLength(EVENT_FINDINGS_LIMIT);
    expect(findings.filter((f) => f.rule === 'missing-step')).toHaveLength(2);
    // The strongest of the large group, and the original order.
    expect(findings.filter((f) => f.rule === 'unexpected-step').every((f) => f.magnitude === 6)).toBe(true);
    expect(findings.map((f) => f.at)).toEqual([...findings.map((f) => f.at)].sort((a, b) => a - b));
  });

  it('given large findings, then the sample stays within the byte budget', () => {
    const fs = Array.from({ length: 150 }, (_, i) => finding(i, 'r', i, 'checkout', 'x'.repeat(10_000)));
    const { findings } = findingsForEvent(fs);
    expect(JSON.stringify(findings).length).toBeLessThan(EVENT_FINDINGS_BYTES + 10_000);
    expect(findings.length).toBeGreaterThan(0);
  });
});
