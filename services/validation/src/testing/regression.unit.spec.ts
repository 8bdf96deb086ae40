import { describe, expect, it } from 'vitest';
import { regressionVerdict } from './regression.js';
import type { TestCaseResult, TestStatus } from './types.js';

const NAME = 'given a GB address with a second line, when shipped, then the label has both lines';

const result = (id: string, status: TestStatus, message: string | null = null): TestCaseResult => ({
  id,
  name: id.split(' > ').at(-1)!,
  file: null,
  status,
  durationMs: 3,
  message,
});

describe('regressionVerdict', () => {
  it('given the test fails on the base and passes on the patch, when judged, then passed', () => {
    const v = regressionVerdict(
      [
        result(
          `shipping > ${NAME}`,
          'failed',
          "TypeError: Cannot read properties of undefined (reading 'trim')",
        ),
      ],
      [result(`shipping > ${NAME}`, 'passed')],
      [NAME],
    );
    expect(v.verdict).toBe('passed');
    expect(v.tests).toEqual([
      {
        name: NAME,
        base: 'failed',
        patched: 'passed',
        baseMessage: "TypeError: Cannot read properties of undefined (reading 'trim')",
        patchedMessage: null,
      },
    ]);
  });

  it('given the test passes on the base, when judged, then rejected: it proves nothing', () => {
    const v = regressionVerdict([result(NAME, 'passed')], [result(NAME, 'passed')], [NAME]);
    expect(v).toMatchObject({ verdict: 'rejected', reason: expect.stringContaining('proves nothing') });
  });

  it('given the test fails on both trees, when judged, then failed with the patched failure', () => {
    const v = regressionVerdict(
      [result(NAME, 'failed', 'x')],
      [result(NAME, 'failed', 'expected 2\nactual 3')],
      [NAME],
    );
    expect(v).toMatchObject({
      verdict: 'failed',
      reason: expect.stringMatching(/fails on the patched tree too: expected 2$/),
    });
  });

  it('given no report or a file that did not load, when judged, then inconclusive with the reason', () => {
    expect(regressionVerdict(null, [result(NAME, 'passed')], [NAME])).toMatchObject({
      verdict: 'inconclusive',
      reason: expect.stringContaining('no report on the base tree'),
    });
    // node reports a file that does not load as one failed case named after the file.
    const v = regressionVerdict(
      [result('/w/dist/test/regression-x.test.js', 'failed', 'test failed')],
      [result(NAME, 'passed')],
      [NAME],
    );
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toContain(
      'not in the base tree\'s report (1 failed case(s) instead, e.g. "/w/dist/test/regression-x.test.js": test failed)',
    );
    expect(regressionVerdict([], [], []).reason).toBe('no regression test was generated');
    expect(regressionVerdict([result(NAME, 'skipped')], [result(NAME, 'passed')], [NAME]).verdict).toBe(
      'inconclusive',
    );
  });

  it('given a name with quotes that node escaped twice, when judged, then it still matches', () => {
    const name = 'given coupon "SAVE15", when applied twice, then it counts once';
    const reported = 'given coupon &quot;SAVE15&quot;, when applied twice, then it counts once';
    expect(
      regressionVerdict([result(reported, 'failed')], [result(reported, 'passed')], [name]).verdict,
    ).toBe('passed');
  });

  it('given a name that only prefixes a reported test, when judged, then it does not match', () => {
    const v = regressionVerdict(
      [result(`${NAME} again`, 'failed')],
      [result(`${NAME} again`, 'passed')],
      [NAME],
    );
    expect(v.verdict).toBe('inconclusive');
  });
});
