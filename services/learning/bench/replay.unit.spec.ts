import { describe, expect, it } from 'vitest';
import { FAULTS } from './faults.js';
import { afterFailures, incidents, perFault, random, replay, topRemedy, type Step } from './replay.js';

const step = (fault: string, chosen: Step['chosen'], right: boolean, success: boolean): Step => ({
  fault,
  chosen,
  right,
  success,
});

describe('bench:learning replay', () => {
  it('given a fault whose top remedy became right, went wrong once and came back, then it settles after the last wrong one', () => {
    const steps = [
      step('a', 'revert-commit', false, false),
      step('b', 'revert-commit', true, true),
      step('a', 'guard', true, true),
      step('a', 'guard', true, false),
      step('a', 'code-template', false, false),
      step('a', 'guard', true, true),
      step('c', 'guard', false, false),
    ];
    expect(perFault(steps)).toEqual(
      new Map([
        ['a', { incidents: 5, toLearn: 4, failures: 3 }],
        ['b', { incidents: 1, toLearn: 0, failures: 0 }],
        ['c', { incidents: 1, toLearn: null, failures: 1 }],
      ]),
    );
    // a: the wrong revert failed and the guard came next; the guard failed by bad luck and was left once.
    expect(afterFailures(steps)).toEqual({ wrongFailed: 2, switched: 2, rightFailed: 1, abandoned: 1 });
  });

  it('given a seed, then the same incidents; and learning fails less than the priors alone, more than the oracle', () => {
    expect(incidents(FAULTS, 30, 7).map((i) => [i.fault.name, i.draw])).toEqual(
      incidents(FAULTS, 30, 7).map((i) => [i.fault.name, i.draw]),
    );
    expect(random(1)()).not.toBe(random(2)());
    const list = incidents(FAULTS, 120, 3);
    const truth = { works: 0.9, other: 0.05 };
    const failures = (p: 'learning' | 'priors' | 'oracle') =>
      replay(list, p, truth).filter((s) => !s.success).length;
    expect(failures('learning')).toBeLessThan(failures('priors') / 2);
    expect(failures('learning')).toBeGreaterThanOrEqual(failures('oracle'));
    // The priors rank the revert first on the null dereference; the ground truth says only a guard fixes it.
    const nullDeref = incidents([FAULTS[0]!], 1, 3)[0]!;
    expect(topRemedy(nullDeref, new Map())).toBe('revert-commit');
    const learned = replay(list, 'learning', truth).filter((s) => s.fault === FAULTS[0]!.name);
    expect(learned.at(-1)!.chosen).toBe('guard');
  });
});
