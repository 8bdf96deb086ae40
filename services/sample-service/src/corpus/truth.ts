import { z } from 'zod';

/**
 * The ground truth of one seeded fault (`corpus/faults/<id>/truth.json`). It says what a diagnosis should find:
 * the commit, files and lines of the fault, where it shows (routes, log templates), the fix a maintainer would
 * write, and a probe: the requests that make the fault visible, so that a checker can see it happen.
 */

/** Kebab-case identifiers only: ids and patch names become path segments and git ref names. */
const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case words joined by single dashes');
const patchName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*\.patch$/, 'a file name ending in .patch, no directories');
/** A path inside the application's repository: relative, forward slashes, no `..` segment. */
const repoPath = z
  .string()
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w.@/-]+$/, 'a relative path inside the repository');

export const faultKinds = [
  'exception',
  'latency',
  'skipped-step',
  'reordered-step',
  'error-handling-removed',
  'off-by-one',
  'wrong-comparison',
  'wrong-config',
  'tests-deleted',
] as const;
export type FaultKind = (typeof faultKinds)[number];

export const symptoms = ['error', 'latency', 'behaviour', 'coverage'] as const;
export type Symptom = (typeof symptoms)[number];

const probeRequest = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
    path: z.string().regex(/^\/[\w\-./?=&%:]*$/, 'an absolute request path'),
    headers: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.string()).optional(),
    body: z.unknown().optional(),
  })
  .strict();

export const truthSchema = z
  .object({
    id: slug,
    title: z.string().min(10),
    kind: z.enum(faultKinds),
    /** How the fault works, in a few words: `null-access`, `n-plus-one`, `removed-retry`, ... */
    mechanism: slug,
    symptom: z.enum(symptoms),
    description: z.string().min(20),
    /**
     * The release deployed on top of the healthy history, in order: decoys (other changes of the same release),
     * the fault, and commits after it. Names are patch files (`git format-patch` output) of the fault's folder.
     */
    release: z.array(patchName).min(1),
    /** Which patch of the release introduces the fault. */
    faultCommit: patchName,
    /** Where the fault is in the faulty release's tree: files and 1-based inclusive line ranges. */
    locations: z
      .array(
        z
          .object({
            file: repoPath,
            lines: z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])).min(1),
          })
          .strict(),
      )
      .min(1),
    routes: z.array(z.string().regex(/^(GET|POST|PUT|DELETE) \/\S*$/)),
    /** Constant text of the log calls that show the fault, variable parts as `<*>`. */
    logTemplates: z.array(z.string().min(3)),
    /** The checkout steps concerned (the `step` field of the log lines). */
    steps: z.array(z.string()),
    fix: z
      .object({
        patch: patchName,
        description: z.string().min(20),
        /** Whether `git revert <faultCommit>` on the faulty release gives a correct service. */
        revertFixes: z.boolean(),
        /** Why not, when it does not (a later commit builds on the fault, the revert conflicts, ...). */
        revertNote: z.string().optional(),
        /** The test the fix adds or restores that fails on the faulty release (optional for latency faults). */
        revealingTest: z
          .object({ file: repoPath, name: z.string().min(5) })
          .strict()
          .optional(),
      })
      .strict(),
    probe: z
      .object({
        /** Extra environment of the service under the probe (latencies of the simulated stores). */
        env: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).optional(),
        requests: z.array(probeRequest).min(1),
        /** Status of the last request on the healthy and faulty releases; 0 means no answer (connection lost). */
        expectStatus: z.object({ healthy: z.number().int(), faulty: z.number().int() }).strict().optional(),
        /** `latency`: the last request must be at least this much slower on the faulty release. */
        minSlowdownMs: z.number().positive().optional(),
      })
      .strict(),
  })
  .strict()
  .superRefine((truth, ctx) => {
    if (!truth.release.includes(truth.faultCommit)) {
      ctx.addIssue({ code: 'custom', path: ['faultCommit'], message: 'must be one of the release patches' });
    }
    if (truth.release.includes(truth.fix.patch)) {
      ctx.addIssue({ code: 'custom', path: ['fix', 'patch'], message: 'the fix is not part of the release' });
    }
    if (!truth.fix.revertFixes && !truth.fix.revertNote) {
      ctx.addIssue({
        code: 'custom',
        path: ['fix', 'revertNote'],
        message: 'say why a revert does not fix it',
      });
    }
    // A latency fault rarely has a deterministic test (timings are not asserted); every other fault must.
    if (truth.kind !== 'tests-deleted' && truth.symptom !== 'latency' && !truth.fix.revealingTest) {
      ctx.addIssue({
        code: 'custom',
        path: ['fix', 'revealingTest'],
        message: 'required unless tests were deleted or the symptom is latency',
      });
    }
    if (truth.symptom === 'latency' && truth.probe.minSlowdownMs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['probe', 'minSlowdownMs'],
        message: 'required for latency faults',
      });
    }
    for (const location of truth.locations) {
      for (const [start, end] of location.lines) {
        if (end < start)
          ctx.addIssue({ code: 'custom', path: ['locations'], message: `${location.file}: ${start}-${end}` });
      }
    }
  });

export type Truth = z.infer<typeof truthSchema>;

/** Parses a truth.json document; the error names every problem with its path. */
export function parseTruth(json: unknown, source: string): Truth {
  const result = truthSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is not a valid fault truth:\n  ${problems.join('\n  ')}`);
  }
  return result.data;
}
