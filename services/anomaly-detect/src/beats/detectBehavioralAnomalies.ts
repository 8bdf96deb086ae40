import { readFile } from 'node:fs/promises';
import type { Finding } from '@self-healing/schemas';
import {
  BehavioralDetector,
  DeclaredModel,
  LearnedModel,
  defaultBehavioralOptions,
  type ExpectedSequence,
} from '../behavioral/index.js';
import { ChangedOutcomeDetector, ValueNoveltyDetector } from '../values/index.js';
import { examine, examinedAfter } from '../service/examined.js';
import type { DetectBeat } from '../service/deps.js';
import { findingsForEvent } from '../service/eventFindings.js';

/**
 * Beat 4. Reads the sessions and traces not examined before and the declared or learned sequences; stages the
 * steps found out of order, repeated or missing, the parameters that took values never seen before, the requests
 * whose outcome changed for the same inputs, and the detectors' new state.
 */
export const detectBehavioralAnomalies: DetectBeat<'detectBehavioralAnomalies'> = async (
  { runId, earlier },
  deps,
) => {
  const r = earlier.AnomalyDetectionRequested;
  const mem = await deps.memoryBefore(runId);
  const seenUntil = mem.behavioralSeenUntil ?? Number.NEGATIVE_INFINITY;
  const fresh = deps.wants(r, 'behavioral')
    ? await deps.unexaminedRuns(r, mem.behavioralRuns)
    : { own: [], earlier: [] };
  const sessionEvents = (await deps.eventsOfRuns(runId, r, fresh)).filter(
    (e) => e.traceId !== null || e.sessionId !== null,
  );
  // Late by less than a session's inactivity timeout: it may still join its session.
  const { taken: events, seenUntil: nowSeenUntil } = examine(
    sessionEvents,
    seenUntil,
    defaultBehavioralOptions.inactivityTimeoutMs,
  );
  const { declaredSequences } = deps.settings;
  const declared = declaredSequences
    ? (JSON.parse(await readFile(declaredSequences, 'utf8')) as ExpectedSequence[])
    : null;
  const learned = declared
    ? null
    : mem.learnedModel
      ? LearnedModel.restore(mem.learnedModel)
      : new LearnedModel();
  const model = declared ? new DeclaredModel(declared) : learned!;
  const det = mem.behavioral
    ? BehavioralDetector.restore(model, mem.behavioral)
    : new BehavioralDetector(model);
  const values = mem.values ? ValueNoveltyDetector.restore(mem.values) : new ValueNoveltyDetector();
  const outcomes = mem.outcomes ? ChangedOutcomeDetector.restore(mem.outcomes) : new ChangedOutcomeDetector();
  const findings: Finding[] = [];
  for (const e of events) findings.push(...det.push(e), ...values.push(e), ...outcomes.push(e));
  // Each service's time has reached its own newest event: not the newest of all, since a service whose logs arrive
  // later would have its open sessions timed out before the rest of them arrives.
  const newest = new Map<string, number>();
  for (const e of events) newest.set(e.service, Math.max(newest.get(e.service) ?? e.timestamp, e.timestamp));
  for (const [service, time] of newest)
    findings.push(
      ...det.advance(time, service),
      ...values.advance(time, service),
      ...outcomes.advance(time, service),
    );
  const sessions = new Set(events.map((e) => e.traceId ?? e.sessionId)).size;
  await deps.stage(runId, 'behavioral', {
    findings,
    state: {
      detector: det.snapshot(),
      model: learned?.snapshot() ?? null,
      values: values.snapshot(),
      outcomes: outcomes.snapshot(),
      seenUntil: nowSeenUntil,
      runs: examinedAfter(mem.behavioralRuns, [...fresh.earlier, ...fresh.own]),
    },
    evaluated: sessions,
    skipped: 0,
  });
  return {
    event: {
      type: 'BehavioralAnomaliesDetected',
      payload: {
        detector: deps.detector(declared ? 'declared-sequences' : 'learned-directly-follows'),
        ...findingsForEvent(findings),
        evaluated: sessions,
        skipped: 0,
      },
    },
  };
};
