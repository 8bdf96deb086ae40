import { insertOrReplaceChanged } from '@self-healing/shared';
import type { DetectBeat } from '../service/deps.js';
import { actionOf } from '../service/incidentEvents.js';

/**
 * Beat 8. Writes findings and incident documents by key, and the detectors' memory after this run, in one
 * commit point. Counts are of what this run writes, not of what an earlier attempt already wrote: the event is the
 * same whether or not the beat ran before.
 */
export const storeAnomalyResults: DetectBeat<'storeAnomalyResults'> = async ({ runId, earlier }, deps) => {
  const before = await deps.memoryBefore(runId);
  const verdictRun = earlier.AnomalyDetectionRequested.verdict != null;
  const [perf, beh, err] = await Promise.all([
    deps.staged(runId, 'performance'),
    deps.staged(runId, 'behavioral'),
    deps.staged(runId, 'errors'),
  ]);
  const { state, incidentSeq, planned, findings } = await deps.incidentPlan(runId);
  // By id, at the cost of inserts: a thousand upserts took minutes on FerretDB under load and held every run behind.
  await insertOrReplaceChanged(
    deps.db.collection<{ _id: string }>('anomaly_findings'),
    findings.map((f) => ({ ...f, _id: f.id, runId })),
    ['runId'],
  );
  for (const p of planned) {
    await deps.db
      .collection('anomaly_incidents')
      .replaceOne(
        { _id: p.key as never },
        { ...state.incidents[p.key], version: p.event.meta.seq, lastRunId: runId },
        { upsert: true },
      );
  }
  // A verdict run saw no telemetry: it changes the incidents alone, whatever its detectors made of nothing.
  await deps.memory.save(
    'detectors',
    runId,
    before,
    verdictRun
      ? { ...before, incidents: state, incidentSeq }
      : {
          performance: perf.state.monitor,
          learnedModel: beh.state.model,
          behavioral: beh.state.detector,
          values: beh.state.values,
          outcomes: beh.state.outcomes,
          bursts: err.state.bursts,
          patterns: err.state.patterns,
          incidents: state,
          incidentSeq,
          behavioralSeenUntil: beh.state.seenUntil,
          patternsSeenUntil: err.state.seenUntil,
          behavioralRuns: beh.state.runs,
          patternRuns: err.state.runs,
          performanceRuns: perf.state.runs,
        },
  );
  await deps.db
    .collection('anomaly_runs')
    .replaceOne(
      { _id: runId as never },
      { runId, findings: findings.length, incidents: planned.length },
      { upsert: true },
    );
  return {
    event: {
      type: 'AnomalyResultsStored',
      payload: {
        run: { collection: 'anomaly_runs', id: runId },
        writes: [
          { collection: 'anomaly_findings', written: findings.length, unchanged: 0 },
          { collection: 'anomaly_incidents', written: planned.length, unchanged: 0 },
        ],
        incidents: planned.map((p) => ({
          incidentId: p.key,
          action: actionOf(p.event.meta.type),
          version: p.event.meta.seq,
        })),
      },
    },
  };
};
