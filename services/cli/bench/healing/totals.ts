import type { HealingRecord } from '../../src/demo/scenario.js';

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
};
const share = (n: number, of: number) => (of === 0 ? null : Math.round((1000 * n) / of) / 10);

/** The bench's totals over its faults: shares in percent of all faults (suspects also of the diagnosed ones). */
export function totalsOf(
  records: ReadonlyArray<
    Pick<
      HealingRecord,
      | 'detected'
      | 'detectSeconds'
      | 'suspectCommitTop1'
      | 'fixesValidated'
      | 'fixesDeployed'
      | 'verified'
      | 'fixesRolledBack'
      | 'detectionToVerifiedSeconds'
    >
  >,
) {
  const n = records.length;
  const detected = records.filter((r) => r.detected);
  const judgedSuspects = records.filter((r) => r.suspectCommitTop1 !== null);
  return {
    faults: n,
    detectedPercent: share(detected.length, n),
    suspectCommitTop1Percent: share(records.filter((r) => r.suspectCommitTop1).length, n),
    suspectCommitTop1OfDiagnosedPercent: share(
      judgedSuspects.filter((r) => r.suspectCommitTop1).length,
      judgedSuspects.length,
    ),
    validatedFixPercent: share(records.filter((r) => r.fixesValidated > 0).length, n),
    deployedPercent: share(records.filter((r) => r.fixesDeployed > 0).length, n),
    verifiedPercent: share(records.filter((r) => r.verified).length, n),
    fixesRolledBack: records.reduce((a, r) => a + r.fixesRolledBack, 0),
    medianDetectSeconds: median(detected.map((r) => r.detectSeconds!).filter((x) => x !== null)),
    medianDetectionToVerifiedSeconds: median(
      records.map((r) => r.detectionToVerifiedSeconds).filter((x): x is number => x !== null),
    ),
  };
}
