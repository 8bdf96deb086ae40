import { describe, expect, it } from 'vitest';
import { totalsOf } from './totals.js';

const row = (over: Partial<Parameters<typeof totalsOf>[0][number]> = {}) => ({
  detected: true,
  detectSeconds: 5,
  suspectCommitTop1: true,
  fixesValidated: 1,
  fixesDeployed: 1,
  verified: true,
  fixesRolledBack: 0,
  detectionToVerifiedSeconds: 150,
  ...over,
});

describe('the healing bench totals', () => {
  it('gives shares of all faults, suspects also of the diagnosed ones, and medians of what was measured', () => {
    const t = totalsOf([
      row(),
      row({ detectSeconds: 9, detectionToVerifiedSeconds: 300, fixesRolledBack: 1 }),
      row({ suspectCommitTop1: false, verified: false, detectionToVerifiedSeconds: null, fixesDeployed: 0 }),
      row({
        detected: false,
        detectSeconds: null,
        suspectCommitTop1: null,
        fixesValidated: 0,
        fixesDeployed: 0,
        verified: false,
        detectionToVerifiedSeconds: null,
      }),
    ]);
    expect(t).toEqual({
      faults: 4,
      detectedPercent: 75,
      suspectCommitTop1Percent: 50,
      suspectCommitTop1OfDiagnosedPercent: 66.7,
      validatedFixPercent: 75,
      deployedPercent: 50,
      verifiedPercent: 50,
      fixesRolledBack: 1,
      medianDetectSeconds: 5,
      medianDetectionToVerifiedSeconds: 150,
    });
  });

  it('has no shares or medians without faults', () => {
    expect(totalsOf([])).toMatchObject({ faults: 0, detectedPercent: null, medianDetectSeconds: null });
  });
});
