/**
 * The seven sequences (one per consumer service), in the format of the RenderX self-healing package: movements
 * of numbered beats, each naming the handler that runs and the event it emits. `kind` says what a handler may
 * touch: `pure` decides or computes, `io` reads or writes files, processes, git or the database, `api` calls a
 * remote service. `timing`: `immediate` runs synchronously after the previous beat, `async` awaits I/O.
 * `waits`: the beat may end in a wait instead of its event: for the named outside events (commands, a CI status)
 * until a deadline, or, when it names none, for a durable timer ("wake me at T"). The beat sets the time when it
 * waits; the outside event, the deadline or the timer runs the beat again, which then decides again.
 * The `sequences/*.json` files are generated from this module (export-avsc.ts) and checked by a test.
 */

export const pluginId = 'SelfHealingPlugin';

export type BeatKind = 'pure' | 'io' | 'api';
export type BeatTiming = 'immediate' | 'async';

/** What a beat may wait for (see the module comment). */
export interface Wait {
  /** Outside event types that end the wait; empty: only the time the beat set ends it (a timer). */
  readonly for: readonly string[];
  readonly description: string;
}

export interface Beat {
  readonly beat: number;
  readonly handler: string;
  readonly event: string;
  readonly kind: BeatKind;
  readonly title: string;
  readonly description: string;
  readonly timing: BeatTiming;
  readonly waits?: Wait;
}

export interface Movement {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly beats: readonly Beat[];
}

export interface Sequence {
  readonly pluginId: typeof pluginId;
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly movements: readonly Movement[];
  readonly beats: number;
}

const telemetryParse = {
  pluginId,
  id: 'telemetry.parse',
  name: 'Parse Production Telemetry',
  description:
    'Read raw logs, traces and metrics in any supported format, mine templates, and aggregate per service, template and window.',
  movements: [
    {
      id: 'intake',
      name: 'Intake',
      description: 'Accept the request and read the raw input.',
      beats: [
        {
          beat: 1,
          handler: 'parseTelemetryRequested',
          event: 'TelemetryParseRequested',
          kind: 'io',
          title: 'Validate Parse Request',
          description: 'Check source, services, time range and window; reject what cannot be parsed.',
          timing: 'async',
        },
        {
          beat: 2,
          handler: 'loadLogFiles',
          event: 'LogFilesLoaded',
          kind: 'io',
          title: 'Load Log Files',
          description: "Read the raw records from files or the raw topic's offset ranges.",
          timing: 'async',
        },
      ],
    },
    {
      id: 'parse',
      name: 'Parse',
      description: 'Turn raw records into templated events and aggregates.',
      beats: [
        {
          beat: 3,
          handler: 'extractTelemetryEvents',
          event: 'TelemetryEventsExtracted',
          kind: 'io',
          title: 'Extract Events',
          description: 'Parse each record and mine its template and parameters.',
          timing: 'async',
        },
        {
          beat: 4,
          handler: 'normalizeTelemetryData',
          event: 'TelemetryDataNormalized',
          kind: 'io',
          title: 'Normalize Data',
          description:
            'Normalize levels, timestamps and service names; drop duplicates and out-of-range events.',
          timing: 'async',
        },
        {
          beat: 5,
          handler: 'aggregateTelemetryMetrics',
          event: 'TelemetryMetricsAggregated',
          kind: 'io',
          title: 'Aggregate Metrics',
          description: 'Fold events into per service, template and window counts and latency sketches.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'publish',
      name: 'Publish',
      description: 'Store the results and announce them.',
      beats: [
        {
          beat: 6,
          handler: 'storeTelemetryDatabase',
          event: 'TelemetryStored',
          kind: 'io',
          title: 'Store in Database',
          description: 'Upsert events, templates and aggregates into MongoDB.',
          timing: 'async',
        },
        {
          beat: 7,
          handler: 'parseTelemetryCompleted',
          event: 'TelemetryParseCompleted',
          kind: 'io',
          title: 'Parse Completed',
          description: "Announce the run's aggregates to the detector.",
          timing: 'async',
        },
      ],
    },
  ],
  beats: 7,
} as const satisfies Sequence;

const anomalyDetect = {
  pluginId,
  id: 'anomaly.detect',
  name: 'Detect Anomalies',
  description:
    'Detect performance, behavioural, coverage and error anomalies in aggregates and group them into incidents.',
  movements: [
    {
      id: 'intake',
      name: 'Intake',
      description: 'Accept the request and load the data.',
      beats: [
        {
          beat: 1,
          handler: 'detectAnomaliesRequested',
          event: 'AnomalyDetectionRequested',
          kind: 'pure',
          title: 'Validate Detection Request',
          description: 'Check the parse runs, services, range and detectors.',
          timing: 'immediate',
        },
        {
          beat: 2,
          handler: 'loadTelemetryData',
          event: 'TelemetryDataLoaded',
          kind: 'io',
          title: 'Load Telemetry',
          description: 'Load aggregates, baselines, sequence models and the coverage snapshot.',
          timing: 'async',
          waits: {
            for: [],
            description:
              "Another detection run holds the detectors' memory: this one loads it once that run has committed.",
          },
        },
      ],
    },
    {
      id: 'detect',
      name: 'Detect',
      description: 'Run the four detector families.',
      beats: [
        {
          beat: 3,
          handler: 'detectPerformanceAnomalies',
          event: 'PerformanceAnomaliesDetected',
          kind: 'io',
          title: 'Detect Performance Anomalies',
          description: 'Latency and throughput shifts against robust baselines.',
          timing: 'async',
        },
        {
          beat: 4,
          handler: 'detectBehavioralAnomalies',
          event: 'BehavioralAnomaliesDetected',
          kind: 'io',
          title: 'Detect Behavioral Anomalies',
          description: 'Steps out of order, repeated or missing against learned or declared sequences.',
          timing: 'async',
        },
        {
          beat: 5,
          handler: 'detectCoverageGaps',
          event: 'CoverageGapsDetected',
          kind: 'io',
          title: 'Detect Coverage Gaps',
          description: 'Hot code paths in production that tests do not cover.',
          timing: 'async',
        },
        {
          beat: 6,
          handler: 'detectErrorPatterns',
          event: 'ErrorPatternsDetected',
          kind: 'io',
          title: 'Detect Error Patterns',
          description: 'Error bursts and new error templates.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'report',
      name: 'Report',
      description: 'Group findings into incidents, store and announce them.',
      beats: [
        {
          beat: 7,
          handler: 'aggregateAnomalyResults',
          event: 'AnomalyResultsAggregated',
          kind: 'io',
          title: 'Aggregate Results',
          description:
            'Deduplicate, score and group findings; decide open, update, reopen or resolve per incident.',
          timing: 'async',
        },
        {
          beat: 8,
          handler: 'storeAnomalyResults',
          event: 'AnomalyResultsStored',
          kind: 'io',
          title: 'Store Results',
          description: 'Upsert findings and incident documents into MongoDB.',
          timing: 'async',
        },
        {
          beat: 9,
          handler: 'detectAnomaliesCompleted',
          event: 'AnomalyDetectionCompleted',
          kind: 'io',
          title: 'Detection Completed',
          description: 'Announce the run and publish the incident lifecycle events.',
          timing: 'async',
        },
      ],
    },
  ],
  beats: 9,
} as const satisfies Sequence;

const diagnosisAnalyze = {
  pluginId,
  id: 'diagnosis.analyze',
  name: 'Analyze Root Cause',
  description: "Trace an incident's findings to code, assess impact and recommend fixes.",
  movements: [
    {
      id: 'intake',
      name: 'Intake',
      description: 'Accept the request and gather the evidence and the code.',
      beats: [
        {
          beat: 1,
          handler: 'analyzeRequested',
          event: 'DiagnosisRequested',
          kind: 'io',
          title: 'Validate Diagnosis Request',
          description: 'Check the incident is open and not already diagnosed at this version.',
          timing: 'async',
        },
        {
          beat: 2,
          handler: 'loadAnomalies',
          event: 'AnomaliesLoaded',
          kind: 'io',
          title: 'Load Anomalies',
          description: "Load the incident's findings and related history.",
          timing: 'async',
        },
        {
          beat: 3,
          handler: 'loadCodebaseInfo',
          event: 'CodebaseInfoLoaded',
          kind: 'io',
          title: 'Load Codebase',
          description:
            'Index the repository at the deployed commit: log call sites, symbols, coverage, owners.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'analyze',
      name: 'Analyze',
      description: 'Explain each kind of finding.',
      beats: [
        {
          beat: 4,
          handler: 'analyzePerformanceIssues',
          event: 'PerformanceIssuesAnalyzed',
          kind: 'pure',
          title: 'Analyze Performance Issues',
          description: 'Locate the code behind latency findings.',
          timing: 'immediate',
        },
        {
          beat: 5,
          handler: 'analyzeBehavioralIssues',
          event: 'BehavioralIssuesAnalyzed',
          kind: 'pure',
          title: 'Analyze Behavioral Issues',
          description: 'Locate the code behind sequence deviations.',
          timing: 'immediate',
        },
        {
          beat: 6,
          handler: 'analyzeCoverageIssues',
          event: 'CoverageIssuesAnalyzed',
          kind: 'pure',
          title: 'Analyze Coverage Issues',
          description: 'Locate untested hot paths.',
          timing: 'immediate',
        },
        {
          beat: 7,
          handler: 'analyzeErrorIssues',
          event: 'ErrorIssuesAnalyzed',
          kind: 'pure',
          title: 'Analyze Error Issues',
          description: 'Locate the code behind error patterns from stacks and templates.',
          timing: 'immediate',
        },
      ],
    },
    {
      id: 'conclude',
      name: 'Conclude',
      description: 'Assess, recommend, store and announce.',
      beats: [
        {
          beat: 8,
          handler: 'assessImpact',
          event: 'ImpactAssessed',
          kind: 'pure',
          title: 'Assess Impact',
          description: 'Severity, blast radius and priority.',
          timing: 'immediate',
        },
        {
          beat: 9,
          handler: 'recommendFixes',
          event: 'FixesRecommended',
          kind: 'pure',
          title: 'Recommend Fixes',
          description: 'Propose and rank remedies per issue.',
          timing: 'immediate',
        },
        {
          beat: 10,
          handler: 'storeDiagnosis',
          event: 'DiagnosisStored',
          kind: 'io',
          title: 'Store Diagnosis',
          description: 'Write the diagnosis to MongoDB.',
          timing: 'async',
        },
        {
          beat: 11,
          handler: 'analyzeCompleted',
          event: 'DiagnosisCompleted',
          kind: 'pure',
          title: 'Diagnosis Completed',
          description: 'Announce the root cause and recommendations.',
          timing: 'immediate',
        },
      ],
    },
  ],
  beats: 11,
} as const satisfies Sequence;

const fixGenerate = {
  pluginId,
  id: 'fix.generate',
  name: 'Generate Fix',
  description:
    'Generate code, test and documentation changes for a diagnosis and combine them into a checked patch.',
  movements: [
    {
      id: 'intake',
      name: 'Intake',
      description: 'Accept the request and load the diagnosis.',
      beats: [
        {
          beat: 1,
          handler: 'generateFixRequested',
          event: 'FixGenerationRequested',
          kind: 'io',
          title: 'Validate Fix Request',
          description: 'Check the diagnosis exists and has automatable recommendations.',
          timing: 'async',
        },
        {
          beat: 2,
          handler: 'loadDiagnosis',
          event: 'DiagnosisLoaded',
          kind: 'io',
          title: 'Load Diagnosis',
          description: 'Load the diagnosis and prepare a working tree at the base commit.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'generate',
      name: 'Generate',
      description: 'Write the changes.',
      beats: [
        {
          beat: 3,
          handler: 'generateCodeFix',
          event: 'CodeFixGenerated',
          kind: 'io',
          title: 'Generate Code Fix',
          description: 'Change the source files in the working tree.',
          timing: 'async',
        },
        {
          beat: 4,
          handler: 'generateTestFix',
          event: 'TestFixGenerated',
          kind: 'io',
          title: 'Generate Test Fix',
          description: 'Add tests that reproduce the problem and guard the fix.',
          timing: 'async',
        },
        {
          beat: 5,
          handler: 'generateDocumentationFix',
          event: 'DocumentationFixGenerated',
          kind: 'io',
          title: 'Generate Documentation Fix',
          description: 'Update documentation and the changelog.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'package',
      name: 'Package',
      description: 'Make, check, store and announce the patch.',
      beats: [
        {
          beat: 6,
          handler: 'createPatch',
          event: 'PatchCreated',
          kind: 'io',
          title: 'Create Patch',
          description: 'Diff the working tree against the base commit.',
          timing: 'async',
        },
        {
          beat: 7,
          handler: 'validateSyntax',
          event: 'PatchSyntaxValidated',
          kind: 'io',
          title: 'Validate Syntax',
          description: 'Parse and type-check the changed files.',
          timing: 'async',
        },
        {
          beat: 8,
          handler: 'storePatch',
          event: 'PatchStored',
          kind: 'io',
          title: 'Store Patch',
          description: 'Write the patch to MongoDB.',
          timing: 'async',
        },
        {
          beat: 9,
          handler: 'generateFixCompleted',
          event: 'FixGenerationCompleted',
          kind: 'pure',
          title: 'Fix Generation Completed',
          description: 'Announce the patch for validation.',
          timing: 'immediate',
        },
      ],
    },
  ],
  beats: 9,
} as const satisfies Sequence;

const validationRun = {
  pluginId,
  id: 'validation.run',
  name: 'Validate Fix',
  description: 'Apply a patch to a clean checkout and check tests, coverage, performance and documentation.',
  movements: [
    {
      id: 'prepare',
      name: 'Prepare',
      description: 'Accept the request and apply the patch.',
      beats: [
        {
          beat: 1,
          handler: 'validateRequested',
          event: 'ValidationRequested',
          kind: 'io',
          title: 'Validate Validation Request',
          description: 'Check the patch exists and passed its syntax check.',
          timing: 'async',
        },
        {
          beat: 2,
          handler: 'loadPatch',
          event: 'PatchLoaded',
          kind: 'io',
          title: 'Load Patch',
          description: 'Load the patch and verify its hash.',
          timing: 'async',
        },
        {
          beat: 3,
          handler: 'applyPatch',
          event: 'PatchApplied',
          kind: 'io',
          title: 'Apply Patch',
          description: 'Apply the patch to a clean checkout of the base commit.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'check',
      name: 'Check',
      description: 'Run the checks.',
      beats: [
        {
          beat: 4,
          handler: 'runTests',
          event: 'TestsExecuted',
          kind: 'io',
          title: 'Run Tests',
          description: "Run the project's test suite.",
          timing: 'async',
        },
        {
          beat: 5,
          handler: 'checkCoverage',
          event: 'CoverageChecked',
          kind: 'io',
          title: 'Check Coverage',
          description: 'Measure coverage of the tree and of the changed lines.',
          timing: 'async',
        },
        {
          beat: 6,
          handler: 'verifyPerformance',
          event: 'PerformanceVerified',
          kind: 'io',
          title: 'Verify Performance',
          description: "Replay or benchmark the incident's operations on the patched build.",
          timing: 'async',
        },
        {
          beat: 7,
          handler: 'validateDocumentation',
          event: 'DocumentationValidated',
          kind: 'io',
          title: 'Validate Documentation',
          description: 'Check changed documentation: links, examples, changelog.',
          timing: 'async',
        },
      ],
    },
    {
      id: 'conclude',
      name: 'Conclude',
      description: 'Decide, store and announce the verdict.',
      beats: [
        {
          beat: 8,
          handler: 'aggregateValidationResults',
          event: 'ValidationResultsAggregated',
          kind: 'pure',
          title: 'Aggregate Results',
          description: 'Combine the checks into one verdict.',
          timing: 'immediate',
        },
        {
          beat: 9,
          handler: 'storeValidationResults',
          event: 'ValidationResultsStored',
          kind: 'io',
          title: 'Store Results',
          description: 'Write the validation to MongoDB.',
          timing: 'async',
        },
        {
          beat: 10,
          handler: 'validateCompleted',
          event: 'ValidationCompleted',
          kind: 'pure',
          title: 'Validation Completed',
          description: 'Announce the verdict.',
          timing: 'immediate',
        },
      ],
    },
  ],
  beats: 10,
} as const satisfies Sequence;

const deploymentDeploy = {
  pluginId,
  id: 'deployment.deploy',
  name: 'Deploy Fix',
  description: 'Get approval, open and merge a pull request, deploy and verify production.',
  movements: [
    {
      id: 'gate',
      name: 'Gate',
      description: 'Accept the request, confirm the verdict, get approval.',
      beats: [
        {
          beat: 1,
          handler: 'deployRequested',
          event: 'DeploymentRequested',
          kind: 'io',
          title: 'Validate Deployment Request',
          description: 'Check the patch has a passed validation.',
          timing: 'async',
        },
        {
          beat: 2,
          handler: 'loadValidationResults',
          event: 'ValidationResultsLoaded',
          kind: 'io',
          title: 'Load Validation Results',
          description: 'Load the validation and match it to the patch.',
          timing: 'async',
        },
        {
          beat: 3,
          handler: 'checkApproval',
          event: 'ApprovalChecked',
          kind: 'pure',
          title: 'Check Approval',
          description: 'Evaluate the deployment policy; wait for a person when it asks for one.',
          timing: 'immediate',
          waits: {
            for: ['ApproveDeploymentCommand', 'RejectDeploymentCommand'],
            description:
              "A person's approval or rejection when the policy asks for one, until the approval deadline.",
          },
        },
      ],
    },
    {
      id: 'change',
      name: 'Change',
      description: 'Bring the patch through review and CI.',
      beats: [
        {
          beat: 4,
          handler: 'createBranch',
          event: 'BranchCreated',
          kind: 'io',
          title: 'Create Branch',
          description: 'Create the fix branch from the base commit.',
          timing: 'async',
        },
        {
          beat: 5,
          handler: 'applyChanges',
          event: 'ChangesApplied',
          kind: 'io',
          title: 'Apply Changes',
          description: 'Commit the patch on the branch and push it.',
          timing: 'async',
        },
        {
          beat: 6,
          handler: 'createPullRequest',
          event: 'PullRequestCreated',
          kind: 'api',
          title: 'Create Pull Request',
          description: 'Open a pull request, or find the one already open.',
          timing: 'async',
        },
        {
          beat: 7,
          handler: 'runCIChecks',
          event: 'CIChecksConcluded',
          kind: 'api',
          title: 'Run CI Checks',
          description: 'Wait for CI on the head commit.',
          timing: 'async',
          waits: {
            for: [],
            description:
              'CI on the head commit: the beat looks again at each wake-up until CI concludes or its deadline passes.',
          },
        },
        {
          beat: 8,
          handler: 'autoMergePR',
          event: 'PullRequestMerged',
          kind: 'api',
          title: 'Auto-merge Pull Request',
          description: 'Merge when CI passed and approval holds.',
          timing: 'async',
          waits: {
            for: [],
            description:
              'CI on the fix replayed on a default branch that moved on under it: the beat looks again at each wake-up until that CI concludes.',
          },
        },
      ],
    },
    {
      id: 'release',
      name: 'Release',
      description: 'Deploy, verify and announce.',
      beats: [
        {
          beat: 9,
          handler: 'deployToProduction',
          event: 'DeployedToProduction',
          kind: 'api',
          title: 'Deploy to Production',
          description: 'Roll out the merged commit.',
          timing: 'async',
        },
        {
          beat: 10,
          handler: 'verifyDeployment',
          event: 'DeploymentVerified',
          kind: 'api',
          title: 'Verify Deployment',
          description: 'Check production health; roll back when unhealthy.',
          timing: 'async',
          waits: {
            for: [],
            description: 'The observation window after the rollout, before production health is judged.',
          },
        },
        {
          beat: 11,
          handler: 'deployCompleted',
          event: 'DeploymentCompleted',
          kind: 'pure',
          title: 'Deployment Completed',
          description: 'Announce the deployment.',
          timing: 'immediate',
        },
      ],
    },
  ],
  beats: 11,
} as const satisfies Sequence;

const learningTrack = {
  pluginId,
  id: 'learning.track',
  name: 'Track Effectiveness',
  description: "Measure a deployed fix against the incident's findings and learn from the outcome.",
  movements: [
    {
      id: 'observe',
      name: 'Observe',
      description: 'Accept the request and collect the evidence.',
      beats: [
        {
          beat: 1,
          handler: 'trackRequested',
          event: 'EffectivenessTrackingRequested',
          kind: 'io',
          title: 'Validate Tracking Request',
          description: 'Check the deployment exists and completed.',
          timing: 'async',
        },
        {
          beat: 2,
          handler: 'loadDeploymentInfo',
          event: 'DeploymentInfoLoaded',
          kind: 'io',
          title: 'Load Deployment',
          description: "Load the deployment and the incident's findings.",
          timing: 'async',
        },
        {
          beat: 3,
          handler: 'collectPostDeploymentMetrics',
          event: 'PostDeploymentMetricsCollected',
          kind: 'io',
          title: 'Collect Post-deployment Metrics',
          description: 'Load aggregates of the observation window after the deployment.',
          timing: 'async',
          waits: {
            for: [],
            description: 'The end of the observation window, before its aggregates are loaded.',
          },
        },
      ],
    },
    {
      id: 'judge',
      name: 'Judge',
      description: 'Compare before and after and judge the fix.',
      beats: [
        {
          beat: 4,
          handler: 'compareMetrics',
          event: 'MetricsCompared',
          kind: 'pure',
          title: 'Compare Metrics',
          description: "Compare each finding's metric before and after.",
          timing: 'immediate',
        },
        {
          beat: 5,
          handler: 'calculateImprovement',
          event: 'ImprovementCalculated',
          kind: 'pure',
          title: 'Calculate Improvement',
          description: 'Summarize the comparisons into one score.',
          timing: 'immediate',
        },
        {
          beat: 6,
          handler: 'assessSuccess',
          event: 'SuccessAssessed',
          kind: 'pure',
          title: 'Assess Success',
          description: 'Resolved, improved, unchanged or regressed.',
          timing: 'immediate',
        },
      ],
    },
    {
      id: 'learn',
      name: 'Learn',
      description: 'Update models, draw lessons, store and announce.',
      beats: [
        {
          beat: 7,
          handler: 'updateLearningModels',
          event: 'LearningModelsUpdated',
          kind: 'io',
          title: 'Update Learning Models',
          description: 'Update strategy success rates, detector thresholds and baselines.',
          timing: 'async',
        },
        {
          beat: 8,
          handler: 'generateInsights',
          event: 'InsightsGenerated',
          kind: 'pure',
          title: 'Generate Insights',
          description: 'Draw lessons for people and later runs.',
          timing: 'immediate',
        },
        {
          beat: 9,
          handler: 'storeEffectiveness',
          event: 'EffectivenessStored',
          kind: 'io',
          title: 'Store Effectiveness',
          description: 'Write the effectiveness record to MongoDB.',
          timing: 'async',
        },
        {
          beat: 10,
          handler: 'trackCompleted',
          event: 'EffectivenessTrackingCompleted',
          kind: 'pure',
          title: 'Tracking Completed',
          description: 'Announce the outcome.',
          timing: 'immediate',
        },
      ],
    },
  ],
  beats: 10,
} as const satisfies Sequence;

/** In pipeline order. */
export const sequences = [
  telemetryParse,
  anomalyDetect,
  diagnosisAnalyze,
  fixGenerate,
  validationRun,
  deploymentDeploy,
  learningTrack,
] as const;

export type SequenceDef = (typeof sequences)[number];
export type SequenceId = SequenceDef['id'];
export type SequenceOf<S extends SequenceId> = Extract<SequenceDef, { id: S }>;
/** Beats of a sequence, as a union. */
export type BeatOf<S extends SequenceId> = SequenceOf<S>['movements'][number]['beats'][number];
export type HandlerName<S extends SequenceId = SequenceId> = BeatOf<S>['handler'];
export type BeatEventType<S extends SequenceId = SequenceId> = BeatOf<S>['event'];

export const sequenceIds = sequences.map((s) => s.id) as readonly SequenceId[];

export function isSequenceId(id: string): id is SequenceId {
  return (sequenceIds as readonly string[]).includes(id);
}

export function sequenceById<S extends SequenceId>(id: S): SequenceOf<S>;
export function sequenceById(id: string): SequenceDef | undefined;
export function sequenceById(id: string): SequenceDef | undefined {
  return sequences.find((s) => s.id === id);
}

/** A beat with the sequence it belongs to, flattened out of its movement. */
export interface BeatStep {
  readonly sequenceId: SequenceId;
  readonly movement: string;
  readonly beat: number;
  readonly handler: string;
  readonly event: string;
  readonly kind: BeatKind;
  readonly timing: BeatTiming;
  readonly title: string;
  readonly waits: Wait | null;
}

/**
 * The beats of a sequence in order, with handler and event names: what a conformance check of a machine
 * (or of an observed event stream) compares against.
 */
export function beatsOf(sequenceId: SequenceId): readonly BeatStep[] {
  const sequence = sequenceById(sequenceId);
  return sequence.movements.flatMap((m) =>
    m.beats.map((b) => ({
      sequenceId,
      movement: m.id,
      beat: b.beat,
      handler: b.handler,
      event: b.event,
      kind: b.kind,
      timing: b.timing,
      title: b.title,
      waits: 'waits' in b ? b.waits : null,
    })),
  );
}
