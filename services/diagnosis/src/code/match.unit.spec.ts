import { describe, expect, it } from 'vitest';
import { indexLogCalls, type LogCallSite } from './logCalls.js';
import { matchTemplate, pieces, sitesForStep, templateScore } from './match.js';

const sites: LogCallSite[] = indexLogCalls([
  {
    path: 'src/checkout.ts',
    text: [
      'export async function checkout(log, held, units, ms) {',
      "  log.info({ step: 'reserveInventory' }, `reserved ${units} items in warehouse ${held.warehouse} took ${ms} ms`);",
      "  log.info({ step: 'validateCart' }, `cart validated items=${units} took ${ms} ms`);",
      "  log.info({ step: 'rollbackInventory' }, `released ${units} items in warehouse ${held.warehouse} took ${ms} ms`);",
      "  log.error({ step: 'chargePayment' }, `payment failed: ${err.message}`);",
      '  log.info(message);',
      '}',
    ].join('\n'),
  },
  {
    path: 'test/checkout.spec.ts',
    text: "log.info(`reserved ${n} items in warehouse ${w} took ${ms} ms`);\nfunction ship(log) { log.info('parcel handed over'); }",
  },
]);
const siteLine = (site: LogCallSite): string => `${site.path}:${site.line}`;
const lineOf = (m: { site: LogCallSite }): string => siteLine(m.site);

describe('pieces', () => {
  it('cuts words and wildcards, drops punctuation, fuses adjacent wildcards', () => {
    expect(pieces('sku=<*> total=<*><*>, ****<*> took <*> ms')).toEqual(
      [
        { wild: false, text: 'sku' },
        { wild: true, text: '' },
        { wild: false, text: 'total' },
        { wild: true, text: '' },
        { wild: true, text: '' },
        { wild: false, text: 'took' },
        { wild: true, text: '' },
        { wild: false, text: 'ms' },
      ].filter((p, i, all) => !(p.wild && all[i - 1]?.wild)),
    );
  });
});

describe('matchTemplate', () => {
  it('ranks the site whose constant text is the template first, program before test', () => {
    const ranked = matchTemplate('reserved <*> items in warehouse <*> took <*> ms', sites);
    expect(ranked.map(lineOf).slice(0, 3)).toEqual([
      'src/checkout.ts:2',
      'test/checkout.spec.ts:1',
      'src/checkout.ts:4',
    ]);
    expect(ranked[0]!.score).toBe(1);
    expect(ranked[2]!.score).toBeLessThan(1);
  });

  it('survives an under-generalized template (a value that stayed constant)', () => {
    const ranked = matchTemplate('reserved 3 items in warehouse eu-west-1 took <*> ms', sites);
    expect(lineOf(ranked[0]!)).toBe('src/checkout.ts:2');
    expect(ranked[0]!.score).toBeGreaterThan(0.7);
    const released = ranked.find((m) => lineOf(m) === 'src/checkout.ts:4')!;
    expect(ranked[0]!.score - released.score).toBeGreaterThan(0.2);
  });

  it('survives an over-generalized template (a constant became <*>), with ties in a stable order', () => {
    const ranked = matchTemplate('<*> <*> items in warehouse <*> took <*> ms', sites);
    // "reserved" and "released" both fit the lost word: close scores, well above the other sites
    expect(ranked.map(lineOf).slice(0, 3)).toEqual([
      'src/checkout.ts:2',
      'test/checkout.spec.ts:1',
      'src/checkout.ts:4',
    ]);
    // equal texts score equally; the program's site comes before the test's
    expect(ranked[0]!.score).toBe(ranked[1]!.score);
    expect(ranked[0]!.score - ranked[2]!.score).toBeLessThan(0.05);
    expect(ranked[2]!.score - ranked[3]!.score).toBeGreaterThan(0.15);
  });

  it('weighs words by how rare they are among the sites: a shared "took <*> ms" is weak evidence', () => {
    const ranked = matchTemplate('payment gateway timeout after <*> ms', sites);
    expect(ranked.every((m) => m.score < 0.5)).toBe(true);
  });

  it('lets a site variable stand for many words (an error message)', () => {
    const ranked = matchTemplate('payment failed: card declined by issuer', sites);
    expect(lineOf(ranked[0]!)).toBe('src/checkout.ts:5');
  });

  it('skips sites without constant text and honours minScore and limit', () => {
    expect(matchTemplate('<*>', sites)).toEqual([]);
    const ranked = matchTemplate('cart validated items=<*> took <*> ms', sites, { minScore: 0.9, limit: 5 });
    expect(ranked.map(lineOf)).toEqual(['src/checkout.ts:3']);
  });

  it('scores by words explained on both sides', () => {
    expect(templateScore('a b c', 'a b c').score).toBe(1);
    expect(templateScore('a b c', 'x y z').score).toBe(0);
    // every template word found (recall 1), but half the site's words are its own (precision 1/2)
    expect(templateScore('took <*> ms', 'reserved <*> items took <*> ms').score).toBeCloseTo((2 * 0.5) / 1.5);
    // verbatim words win over words merely explained by a wildcard
    expect(templateScore('took <*> ms', 'reserved <*> items took <*> ms').matched).toBe(2);
  });
});

describe('sitesForStep', () => {
  it('finds the sites naming the step in a constant field', () => {
    expect(sitesForStep('reserveInventory', sites).map(siteLine)).toEqual(['src/checkout.ts:2']);
  });
  it('falls back to the sites inside a function of that name', () => {
    expect(sitesForStep('ship', sites).map(siteLine)).toEqual(['test/checkout.spec.ts:2']);
    expect(sitesForStep('nowhere', sites)).toEqual([]);
  });
});
