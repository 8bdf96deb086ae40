import { z } from 'zod';

/**
 * The service catalogue: one file naming, per service, where its code lives, how to install, build, test and
 * start it, how its logs look, how it is deployed and who owns it, and what the platform may merge and deploy
 * without a person. Every stage reads it; every object is strict, so a misspelt field is an error, not a default.
 */

/** A command as argv: run without a shell, so no value in the catalogue is ever interpreted by one. */
const Command = z
  .array(z.string().min(1, 'empty argument'))
  .min(1, 'a command needs at least the program')
  .refine((argv) => !argv[0]!.startsWith('-'), 'the program cannot start with "-"');

const Name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", from a letter');

const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'a path inside the repository');

const Repository = z
  .object({
    /** Where the deployer clones from: https://, ssh:// or file:// (a local bare repository). */
    url: z
      .string()
      .url()
      .refine((u) => /^(https?|ssh|git|file):/.test(u), 'http(s), ssh, git or file URL'),
    defaultBranch: z.string().regex(/^[A-Za-z0-9._/-]+$/, 'a branch name'),
  })
  .strict();

const Commands = z
  .object({
    install: Command,
    build: Command,
    test: Command,
    start: Command,
  })
  .strict();

/**
 * Declared log format: a preset the parser knows, a Drain-style format string with `<Field>` placeholders, or
 * a regular expression with named groups. Carried as data here; the telemetry stage interprets it.
 */
/** How the time fields of a declared format are laid out (`yyyy-MM-dd HH:mm:ss,SSS`, `epoch`); default: recognised. */
const timeLayout = z.string().min(1).optional();

/** Syntax check only: the parser runs it on RE2, whose syntax JS shares but for Python's `(?P<name>` groups. */
function isRegex(source: string): boolean {
  try {
    new RegExp(source.replaceAll('(?P<', '(?<'));
    return true;
  } catch {
    return false;
  }
}

const LogFormat = z.union([
  z.object({ preset: z.string().min(1), timeLayout }).strict(),
  z
    .object({
      format: z.string().min(1).includes('<', { message: 'a format string names fields as <Field>' }),
      timeLayout,
    })
    .strict(),
  z.object({ regex: z.string().refine(isRegex, 'not a valid regular expression'), timeLayout }).strict(),
]);

const Detection = z
  .object({
    /**
     * A detector preset: `default` (weeks of history), `hour-scale` (hours; the demo's) or `minute-scale` (a
     * two-minute warm-up; benches that must see latency faults).
     */
    preset: z.string().min(1),
  })
  .strict();

const ProcessDeployer = z
  .object({
    kind: z.literal('process-haproxy'),
    /** Instances per version. */
    instances: z.number().int().min(1).max(16),
    healthPath: z.string().regex(/^\/[A-Za-z0-9._~/-]*$/, 'an absolute URL path'),
    /** How long a new version has to answer its health check before the deploy is refused. */
    healthTimeoutMs: z.number().int().min(1000).max(600_000),
    /** Port of the HAProxy frontend on 127.0.0.1. */
    frontendPort: z.number().int().min(1024).max(65535),
    /** Environment of every instance, besides PORT, SERVICE_VERSION and SERVICE_COMMIT. Nothing else is inherited. */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'), z.string()),
    /** Limits applied to install, build and every instance (the service's code is not ours). */
    limits: z
      .object({
        buildTimeoutMs: z.number().int().min(1000),
        memoryMb: z.number().int().min(64),
        maxProcesses: z.number().int().min(16),
      })
      .strict(),
  })
  .strict();

const Owner = z
  .object({
    name: z.string().min(1),
    email: z.string().email(),
  })
  .strict();

export const severities = ['low', 'medium', 'high', 'critical'] as const;
export const remedyKinds = ['revert', 'config', 'patch', 'dependency'] as const;
export const validations = ['tests', 'build', 'replay', 'canary'] as const;

const HourWindow = z
  .object({
    /** Days of the week, 0 = Sunday. */
    days: z.array(z.number().int().min(0).max(6)).min(1),
    fromHour: z.number().int().min(0).max(23),
    toHour: z.number().int().min(1).max(24),
    timezone: z.string().min(1),
  })
  .strict()
  .refine((w) => w.fromHour < w.toHour, { message: 'fromHour must be before toHour', path: ['toHour'] });

/** When the platform may act without a person. Anything outside these bounds waits for an approval. */
const AutoCondition = z
  .object({
    enabled: z.boolean(),
    maxSeverity: z.enum(severities),
    remedyKinds: z.array(z.enum(remedyKinds)),
    maxPatchLines: z.number().int().min(0),
    requiredValidation: z.array(z.enum(validations)),
    allowedHours: HourWindow,
  })
  .strict();

const CanaryJudge = z
  .object({
    /** Fewest requests per version before a step is judged. */
    minRequests: z.number().int().min(1),
    /** Canary error rate may exceed the stable one by at most this (absolute, 0..1). */
    maxErrorRateIncrease: z.number().min(0).max(1),
    /** Canary p95 latency may be at most this multiple of the stable one. */
    maxP95Ratio: z.number().min(1),
    /**
     * ... and a p95 higher by less than this many milliseconds is never a regression: processes just started, on a
     * busy machine, differ from warm ones by a few milliseconds whatever their code.
     */
    minP95IncreaseMs: z.number().min(0).default(10),
  })
  .strict();

const Canary = z
  .object({
    /** Traffic shares (percent) the canary goes through before promotion, ascending. */
    steps: z
      .array(z.number().min(1).max(100))
      .min(1)
      .refine((s) => s.every((v, i) => i === 0 || v > s[i - 1]!), 'steps must ascend'),
    stepDurationMs: z.number().int().min(1000),
    /**
     * Start a baseline with each canary (the default): the stable version's code in new processes, given as much
     * traffic as the canary, and the canary judged against it rather than against the warm stable processes. A
     * process that just started is slower for a while whatever its code (JIT, caches, pools; on a busy machine for
     * most of a minute), and against warm processes that reads as the fix's regression. Costs one more set of
     * instances for the canary's lifetime.
     */
    baseline: z.boolean().default(true),
    judge: CanaryJudge,
  })
  .strict();

const HealingPolicy = z
  .object({
    autoMerge: AutoCondition,
    autoDeploy: AutoCondition,
    canary: Canary,
    /**
     * Taking a promoted fix out again (learning.track measured it harmful, or an operator asked): `automatic` (the
     * default: the revert restores code that served before the fix) or `approval` (a person approves the revert's
     * pull request first, as for a fix the policy does not let through).
     */
    rollback: z.enum(['automatic', 'approval']).default('automatic'),
  })
  .strict();

export const ServiceEntry = z
  .object({
    repository: Repository,
    language: z.enum(['typescript', 'javascript', 'python', 'java', 'go']),
    commands: Commands,
    sourceRoot: RelativePath,
    /** Where compiled output maps back to sources (stack frames of the running service point into the build). */
    sourceMaps: z.object({ enabled: z.boolean(), outDir: RelativePath }).strict(),
    logFormat: LogFormat,
    detection: Detection,
    deployer: ProcessDeployer,
    owners: z.array(Owner).min(1, 'at least one owner'),
    healing: HealingPolicy,
  })
  .strict();

export const Catalogue = z
  .object({
    version: z.literal(1),
    services: z.record(Name, ServiceEntry).refine((s) => Object.keys(s).length > 0, 'no services'),
  })
  .strict();

export type Catalogue = z.infer<typeof Catalogue>;
export type ServiceEntry = z.infer<typeof ServiceEntry>;
export type ServiceCommands = ServiceEntry['commands'];
export type ProcessDeployerSettings = ServiceEntry['deployer'];
export type HealingPolicy = ServiceEntry['healing'];
export type LogFormat = ServiceEntry['logFormat'];
