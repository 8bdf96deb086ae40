import { describe, expect, it } from 'vitest';
import { parseTruth } from './truth.js';

const valid = {
  id: 'last-unit-unsellable',
  title: 'The last unit cannot be sold',
  kind: 'wrong-comparison',
  mechanism: 'strict-comparison',
  symptom: 'behaviour',
  description: 'The warehouse choice compares > instead of >=.',
  release: ['01-decoy.patch', '02-inventory-name-the-check.patch'],
  faultCommit: '02-inventory-name-the-check.patch',
  locations: [{ file: 'src/inventory/inventory.ts', lines: [[65, 65]] }],
  routes: ['POST /checkout'],
  logTemplates: ['request rejected code=<*>'],
  steps: ['reserveInventory'],
  fix: {
    patch: 'fix.patch',
    description: 'Compare with >= and test the last unit.',
    revertFixes: true,
    revealingTest: { file: 'test/inventory.test.ts', name: 'can reserve the last unit' },
  },
  probe: {
    requests: [{ method: 'POST', path: '/carts' }],
    expectStatus: { healthy: 201, faulty: 409 },
  },
};

const withChange = (change: (t: typeof valid & Record<string, unknown>) => void): unknown => {
  const copy = structuredClone(valid) as typeof valid & Record<string, unknown>;
  change(copy);
  return copy;
};

describe('parseTruth', () => {
  it('accepts a complete truth', () => {
    expect(parseTruth(valid, 'truth.json').faultCommit).toBe('02-inventory-name-the-check.patch');
  });

  it('keeps patch names and paths inside the fault folder and the repository', () => {
    expect(() =>
      parseTruth(
        withChange((t) => (t.release = ['../../x.patch'])),
        't',
      ),
    ).toThrow(/release\.0/);
    expect(() =>
      parseTruth(
        withChange((t) => (t.locations[0]!.file = '../outside.ts')),
        't',
      ),
    ).toThrow(/locations/);
    expect(() =>
      parseTruth(
        withChange((t) => (t.locations[0]!.file = '/etc/passwd')),
        't',
      ),
    ).toThrow(/locations/);
    expect(() =>
      parseTruth(
        withChange((t) => (t.id = 'Bad Id')),
        't',
      ),
    ).toThrow(/id/);
  });

  it('checks the cross references', () => {
    expect(() =>
      parseTruth(
        withChange((t) => (t.faultCommit = '03-other.patch')),
        't',
      ),
    ).toThrow(/faultCommit/);
    expect(() =>
      parseTruth(
        withChange((t) => (t.fix.revertFixes = false)),
        't',
      ),
    ).toThrow(/revertNote/);
    expect(() =>
      parseTruth(
        withChange((t) => delete (t.fix as Record<string, unknown>).revealingTest),
        't',
      ),
    ).toThrow(/revealingTest/);
    expect(() =>
      parseTruth(
        withChange((t) => (t.locations[0]!.lines = [[9, 3]])),
        't',
      ),
    ).toThrow(/9-3/);
    expect(() =>
      parseTruth(
        withChange((t) => (t.symptom = 'latency')),
        't',
      ),
    ).toThrow(/minSlowdownMs/);
  });

  it('names every problem with its path', () => {
    expect(() => parseTruth({ ...valid, kind: 'typo', extra: 1 }, 'faults/x/truth.json')).toThrow(
      /faults\/x\/truth.json is not a valid fault truth:[\s\S]*kind[\s\S]*extra/,
    );
  });
});
