import { describe, expect, it } from 'vitest';
import {
  LEVEL_WEIGHT,
  PRIOR_SUCCESS,
  PRIOR_WEIGHT,
  errorTypeOf,
  faultSignature,
  normalizeFramePath,
  rateFor,
  rateKey,
  signatureOfIssue,
  type StrategyRecord,
} from './learnedRates.js';

const S = ['error', 'error:TypeError', 'error:TypeError@src/a.ts', 'error:TypeError@src/a.ts#format'];
const counts = (entries: Array<[string, number, number]>): Map<string, StrategyRecord> =>
  new Map(entries.map(([k, attempts, successes]) => [k, { attempts, successes }]));

describe('faultSignature', () => {
  it('given an error with a type and a frame, then keys go from the finding kind to the function', () => {
    expect(
      faultSignature({
        findingKind: 'error',
        errorType: 'TypeError',
        topFrame: { path: 'src/shipping/labels.ts', fn: 'formatAddress' },
      }),
    ).toEqual([
      'error',
      'error:TypeError',
      'error:TypeError@src/shipping/labels.ts',
      'error:TypeError@src/shipping/labels.ts#formatAddress',
    ]);
    // A level the evidence does not know is left out, the rest still nests.
    expect(faultSignature({ findingKind: 'performance', topFrame: { path: 'src/db.ts' } })).toEqual([
      'performance',
      'performance@src/db.ts',
    ]);
  });

  it('given hostile or machine-specific text, then keys hold no line, no absolute path, no separators, bounded', () => {
    expect(normalizeFramePath('/home/ci/build/app/src/shipping/labels.ts:56:13')).toBe(
      'src/shipping/labels.ts',
    );
    expect(normalizeFramePath('file:///C:/work/app/src/x.ts:1')).toBe('app/src/x.ts');
    expect(normalizeFramePath('src/../../../etc/passwd')).toBe('src/etc/passwd');
    expect(normalizeFramePath('webpack://app/./src/a b|c.ts')).toBe('app/src/a_b_c.ts');
    const keys = faultSignature({
      findingKind: 'error; drop',
      errorType: "TypeError'); db.dropDatabase(); //",
      topFrame: { path: `src/${'x'.repeat(5000)}.ts`, fn: 'async fn|with#separators\n' },
    });
    expect(keys[0]).toBe('unknown');
    expect(keys.some((k) => k.includes('drop'))).toBe(false); // an error type that is no identifier is left out
    expect(keys.every((k) => k.length < 260 && !/[|\n\s]/.test(k))).toBe(true);
    expect(keys.at(-1)).toMatch(/#fn_with_separators$/);
    // Two long paths that share their first 120 characters stay apart.
    const a = normalizeFramePath(`src/${'y'.repeat(200)}/a.ts`);
    const b = normalizeFramePath(`src/${'y'.repeat(200)}/b.ts`);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(120);
  });
});

describe('errorTypeOf', () => {
  it('given a named type, a system code or a well-known V8 message, then its type; else none', () => {
    expect(errorTypeOf("TypeError: Cannot read properties of undefined (reading 'x')")).toBe('TypeError');
    expect(errorTypeOf('request failed: ValidationException in <*>')).toBe('ValidationException');
    expect(errorTypeOf('connect ECONNREFUSED <*>:<*>')).toBe('ECONNREFUSED');
    expect(errorTypeOf("Cannot read properties of undefined (reading 'toUpperCase')")).toBe('TypeError');
    expect(errorTypeOf('order is not defined')).toBe('ReferenceError');
    expect(errorTypeOf('Unexpected token < in JSON at position 0')).toBe('SyntaxError');
    expect(errorTypeOf('payment declined')).toBeNull();
  });
});

describe('signatureOfIssue', () => {
  it('given an error issue, then the type from its message and the function around its innermost frame', () => {
    expect(
      signatureOfIssue({
        kind: 'error',
        evidence: { errorTemplate: "Cannot read properties of undefined (reading 'street')" },
        innermostFrame: { path: 'src/a.ts', line: 10 },
        lines: [
          { path: 'src/a.ts', line: 10, score: 1, why: 'stack frame 0 (format)' },
          { path: 'src/b.ts', line: 11, score: 0.5, why: 'stack frame 1', symbol: 'caller' },
          { path: 'src/a.ts', line: 30, score: 0.2, why: 'in other', symbol: 'other' },
          { path: 'src/a.ts', line: 9, score: 0.2, why: 'in format', symbol: 'format' },
        ],
      }),
    ).toEqual(S);
  });
});

describe('rateFor', () => {
  it('given no counts, then the prior, as before signatures existed', () => {
    const r = rateFor('guard', S, new Map());
    expect(r).toMatchObject({ mean: PRIOR_SUCCESS.guard, samples: 0, level: 'prior' });
    expect(r.lower95).toBeLessThan(PRIOR_SUCCESS.guard);
    expect(r.lower95).toBeGreaterThan(0);
  });

  it('given counts of the kind alone, then the first version’s posterior mean', () => {
    const r = rateFor('revert-commit', S, counts([['revert-commit', 50, 5]]));
    expect(r.mean).toBeCloseTo((5 + 0.85 * PRIOR_WEIGHT) / (50 + PRIOR_WEIGHT), 12);
    expect(r).toMatchObject({ samples: 50, level: '*' });
  });

  it('given failures on one signature only, then that signature drops, a sibling shares its error level, another kind of finding the overall rate', () => {
    // Ten reverts: eight worked on other faults, two failed on src/a.ts#format. All levels count all ten or two.
    const learned = counts([
      [rateKey('revert-commit'), 10, 8],
      ...S.map((k): [string, number, number] => [rateKey('revert-commit', k), 2, 0]),
    ]);
    const here = rateFor('revert-commit', S, learned);
    const outside = (8 + 0.85 * PRIOR_WEIGHT) / (8 + PRIOR_WEIGHT);
    expect(here.mean).toBeCloseTo((0 + LEVEL_WEIGHT * outside) / (2 + LEVEL_WEIGHT), 12);
    expect(here).toMatchObject({ samples: 2, level: S[3] });
    const sibling = rateFor('revert-commit', ['error', 'error:RangeError'], learned);
    // The sibling's type level has no outcomes: the error level's rate is its prior, and that level holds only the
    // two failures (the other eight were not errors).
    const errorLevel = (0 + LEVEL_WEIGHT * outside) / (2 + LEVEL_WEIGHT);
    expect(sibling.mean).toBeCloseTo(errorLevel, 12);
    // A slow step is no error: the all-faults rate, eight of ten.
    const performance = rateFor('revert-commit', ['performance'], learned);
    expect(performance.mean).toBeCloseTo((8 + 0.85 * PRIOR_WEIGHT) / (10 + PRIOR_WEIGHT), 12);
    expect(performance).toMatchObject({ samples: 10, level: '*' });
    expect(here.mean).toBeLessThan(sibling.mean + 1e-12);
    expect(sibling.mean).toBeLessThan(performance.mean);
  });

  it('given many outcomes, then the lower bound tightens towards the mean', () => {
    const few = rateFor(
      'guard',
      ['error'],
      counts([
        ['guard', 4, 4],
        ['guard|error', 4, 4],
      ]),
    );
    const many = rateFor(
      'guard',
      ['error'],
      counts([
        ['guard', 400, 360],
        ['guard|error', 400, 360],
      ]),
    );
    expect(many.mean).toBeCloseTo(0.9, 1);
    expect(many.mean - many.lower95).toBeLessThan(0.03);
    expect(few.mean - few.lower95).toBeGreaterThan(0.1);
  });

  it('given counts that disagree (a crash between two documents, or tampering), then no rate leaves [0, 1]', () => {
    const r = rateFor(
      'guard',
      ['error'],
      counts([
        ['guard', 1, 7],
        ['guard|error', 3, -2],
      ]),
    );
    expect(r.mean).toBeGreaterThanOrEqual(0);
    expect(r.mean).toBeLessThanOrEqual(1);
    expect(Number.isFinite(r.lower95)).toBe(true);
  });
});
