import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  beatsOf,
  eventTypes,
  pipeline,
  sequenceById,
  sequenceIds,
  sequences,
  stageContract,
} from './index.js';
import type { BeatEventType, EventType, HandlerName, SequenceId } from './index.js';

/** The roadmap's 67 handlers, in order, per sequence (copied from the mission's roadmap.md). */
const roadmap: Record<SequenceId, string[]> = {
  'telemetry.parse': [
    'parseTelemetryRequested',
    'loadLogFiles',
    'extractTelemetryEvents',
    'normalizeTelemetryData',
    'aggregateTelemetryMetrics',
    'storeTelemetryDatabase',
    'parseTelemetryCompleted',
  ],
  'anomaly.detect': [
    'detectAnomaliesRequested',
    'loadTelemetryData',
    'detectPerformanceAnomalies',
    'detectBehavioralAnomalies',
    'detectCoverageGaps',
    'detectErrorPatterns',
    'aggregateAnomalyResults',
    'storeAnomalyResults',
    'detectAnomaliesCompleted',
  ],
  'diagnosis.analyze': [
    'analyzeRequested',
    'loadAnomalies',
    'loadCodebaseInfo',
    'analyzePerformanceIssues',
    'analyzeBehavioralIssues',
    'analyzeCoverageIssues',
    'analyzeErrorIssues',
    'assessImpact',
    'recommendFixes',
    'storeDiagnosis',
    'analyzeCompleted',
  ],
  'fix.generate': [
    'generateFixRequested',
    'loadDiagnosis',
    'generateCodeFix',
    'generateTestFix',
    'generateDocumentationFix',
    'createPatch',
    'validateSyntax',
    'storePatch',
    'generateFixCompleted',
  ],
  'validation.run': [
    'validateRequested',
    'loadPatch',
    'applyPatch',
    'runTests',
    'checkCoverage',
    'verifyPerformance',
    'validateDocumentation',
    'aggregateValidationResults',
    'storeValidationResults',
    'validateCompleted',
  ],
  'deployment.deploy': [
    'deployRequested',
    'loadValidationResults',
    'checkApproval',
    'createBranch',
    'applyChanges',
    'createPullRequest',
    'runCIChecks',
    'autoMergePR',
    'deployToProduction',
    'verifyDeployment',
    'deployCompleted',
  ],
  'learning.track': [
    'trackRequested',
    'loadDeploymentInfo',
    'collectPostDeploymentMetrics',
    'compareMetrics',
    'calculateImprovement',
    'assessSuccess',
    'updateLearningModels',
    'generateInsights',
    'storeEffectiveness',
    'trackCompleted',
  ],
};

describe('sequences', () => {
  it('given the roadmap, the seven sequences are there in pipeline order', () => {
    expect(sequenceIds).toEqual([
      'telemetry.parse',
      'anomaly.detect',
      'diagnosis.analyze',
      'fix.generate',
      'validation.run',
      'deployment.deploy',
      'learning.track',
    ]);
  });

  it("given each sequence, its handlers are exactly the roadmap's, in order (7/9/11/9/10/11/10 = 67)", () => {
    for (const id of sequenceIds) {
      expect(
        beatsOf(id).map((b) => b.handler),
        id,
      ).toEqual(roadmap[id]);
    }
    expect(sequenceIds.map((id) => beatsOf(id).length)).toEqual([7, 9, 11, 9, 10, 11, 10]);
    expect(sequenceIds.flatMap((id) => beatsOf(id)).length).toBe(67);
  });

  it('given each sequence, beats are numbered 1..n across movements and the beats count says n', () => {
    for (const s of sequences) {
      const numbers = s.movements.flatMap((m) => m.beats.map((b) => b.beat));
      expect(numbers, s.id).toEqual(numbers.map((_, i) => i + 1));
      expect(s.beats, s.id).toBe(numbers.length);
      expect(s.pluginId).toBe('SelfHealingPlugin');
    }
  });

  it('given all beats, handler names and event names are unique across the platform', () => {
    const beats = sequenceIds.flatMap((id) => beatsOf(id));
    expect(new Set(beats.map((b) => b.handler)).size).toBe(67);
    expect(new Set(beats.map((b) => b.event)).size).toBe(67);
  });

  it('given all beats, events are PascalCase, kinds are pure/io/api and only I/O beats are async', () => {
    for (const b of sequenceIds.flatMap((id) => beatsOf(id))) {
      expect(b.event, b.handler).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(['pure', 'io', 'api'], b.handler).toContain(b.kind);
      expect(b.timing, b.handler).toBe(b.kind === 'pure' ? 'immediate' : 'async');
      expect(b.title.length, b.handler).toBeGreaterThan(0);
    }
  });

  it('given the first and last beats, they are the request and completion of the stage', () => {
    for (const id of sequenceIds) {
      const beats = beatsOf(id);
      expect(beats[0]?.event, id).toMatch(/Requested$/);
      expect(beats.at(-1)?.event, id).toMatch(/Completed$/);
    }
  });

  it('when looking a sequence up by id, it returns it, and undefined for an unknown id', () => {
    expect(sequenceById('fix.generate').beats).toBe(9);
    expect(sequenceById('nope')).toBeUndefined();
    expect(beatsOf('telemetry.parse')[6]).toEqual({
      sequenceId: 'telemetry.parse',
      movement: 'publish',
      beat: 7,
      handler: 'parseTelemetryCompleted',
      event: 'TelemetryParseCompleted',
      kind: 'io',
      timing: 'async',
      title: 'Parse Completed',
      waits: null,
    });
  });

  it('at compile time, every beat event is an event type and handler names are literal', () => {
    expectTypeOf<BeatEventType>().toExtend<EventType>();
    expectTypeOf<HandlerName<'telemetry.parse'>>().toEqualTypeOf<
      | 'parseTelemetryRequested'
      | 'loadLogFiles'
      | 'extractTelemetryEvents'
      | 'normalizeTelemetryData'
      | 'aggregateTelemetryMetrics'
      | 'storeTelemetryDatabase'
      | 'parseTelemetryCompleted'
    >();
  });
});

describe('pipeline wiring', () => {
  it('given each stage, requested/completed are its first/last beat events and every named event exists', () => {
    for (const id of sequenceIds) {
      const c = stageContract(id);
      const beats = beatsOf(id);
      expect(c.requested).toBe(beats[0]?.event);
      expect(c.completed).toBe(beats.at(-1)?.event);
      for (const t of [c.rejected, c.failed]) expect(eventTypes[t].topic).toBe(c.topic);
      for (const t of [...c.triggers, ...c.awaits]) expect(eventTypes[t], t).toBeDefined();
    }
  });

  it("given each stage, its awaited events are exactly what its beats' waits name", () => {
    for (const c of pipeline) {
      const named = beatsOf(c.sequenceId).flatMap((b) => b.waits?.for ?? []);
      expect([...new Set(named)].sort(), c.sequenceId).toEqual([...c.awaits].sort());
    }
  });

  it('given each stage, it subscribes to the topics its triggers and awaited commands arrive on', () => {
    for (const c of pipeline) {
      for (const t of [...c.triggers, ...c.awaits])
        expect(c.consumes, `${c.sequenceId} <- ${t}`).toContain(eventTypes[t].topic);
    }
  });

  it("given the pipeline, each stage after the first is triggered by the previous stage's output", () => {
    expect(stageContract('anomaly.detect').triggers).toContain('TelemetryParseCompleted');
    expect(stageContract('diagnosis.analyze').triggers).toContain('IncidentOpened');
    for (const [prev, next] of [
      ['diagnosis.analyze', 'fix.generate'],
      ['fix.generate', 'validation.run'],
      ['validation.run', 'deployment.deploy'],
      ['deployment.deploy', 'learning.track'],
    ] as const) {
      expect(stageContract(next).triggers).toContain(stageContract(prev).completed);
    }
  });
});
