import { describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import type { IncidentDoc, TimelineEntry } from '@self-healing/projector';
import { IncidentStory } from './story.js';

/** The story reads stored documents only for the diagnosis, the patch and the validation: none of these cases. */
const document = { collection: 'learning_effectiveness', id: 'inc-1' };
const noDocuments = { collection: () => ({ findOne: async () => null }) } as unknown as Db;

let seq = 0;
const entry = (
  stage: string,
  event: string,
  at: number,
  outcome: TimelineEntry['outcome'] = 'ok',
): TimelineEntry => ({
  stage,
  seq: ++seq,
  eventId: `e-${seq}`,
  beat: null,
  handler: 'h',
  event,
  startedAt: null,
  endedAt: at,
  durationMs: null,
  outcome,
});
const docOf = (entries: Array<[TimelineEntry, unknown]>): IncidentDoc =>
  ({
    _id: 'inc-1',
    timeline: entries.map(([t]) => t),
    outputs: Object.fromEntries(entries.map(([t, p]) => [t.event, p])),
  }) as unknown as IncidentDoc;
const opened: [TimelineEntry, unknown] = [
  entry('x.selfhealing.incidents', 'IncidentOpened', 1000),
  { severity: 'high', title: 'New error template', findings: [] },
];

async function tell(entries: Array<[TimelineEntry, unknown]>) {
  const lines: string[] = [];
  const end = await new IncidentStory(noDocuments, (l) => lines.push(l)).tell(docOf(entries));
  return { end, lines };
}

describe("an incident's story", () => {
  it('ends healed when learning finds the incident resolved, with the time since it opened', async () => {
    const { end, lines } = await tell([
      opened,
      [
        entry('learning.track', 'EffectivenessTrackingCompleted', 151_000),
        { outcome: 'resolved', resolvesIncident: true, improvementScore: 1, findingsCleared: 2, document },
      ],
    ]);
    expect(end).toEqual({ kind: 'resolved', resolution: 'fixed', afterMs: 150_000 });
    expect(lines[0]).toMatch(/incident +IncidentOpened: \[high\] New error template/);
  });

  it('goes on after a candidate failed validation or CI, and after a fix that made things worse', async () => {
    for (const [t, p] of [
      [
        entry('deployment.deploy', 'DeploymentRejected', 2000, 'rejected'),
        { reasons: [{ code: 'validation-not-passed', message: 'failed' }] },
      ],
      [
        entry('deployment.deploy', 'DeploymentRejected', 2000, 'rejected'),
        { reasons: [{ code: 'ci-not-passed', message: 'CI failure' }] },
      ],
      [
        entry('learning.track', 'EffectivenessTrackingCompleted', 2000),
        { outcome: 'regressed', resolvesIncident: false, improvementScore: -1, findingsCleared: 0, document },
      ],
    ] as Array<[TimelineEntry, unknown]>)
      expect((await tell([opened, [t, p]])).end).toBeNull();
  });

  it('stops for people on a refusal that no next candidate follows, a failure, or a fix that only improved things', async () => {
    const cases: Array<[TimelineEntry, unknown, RegExp]> = [
      [
        entry('fix.generate', 'FixGenerationRejected', 2000, 'rejected'),
        { reasons: [{ code: 'attempts-exhausted', message: '3 candidate fix(es) tried' }] },
        /3 candidate/,
      ],
      [
        entry('deployment.deploy', 'DeploymentRejected', 2000, 'rejected'),
        { reasons: [{ code: 'merge-refused', message: 'conflicts' }] },
        /conflicts/,
      ],
      [
        entry('validation.run', 'ValidationFailed', 2000, 'failed'),
        { error: { message: 'boom' } },
        /validation.run failed/,
      ],
      [
        entry('learning.track', 'EffectivenessTrackingCompleted', 2000),
        { outcome: 'improved', resolvesIncident: false, improvementScore: 0.5, findingsCleared: 1, document },
        /improved/,
      ],
    ];
    for (const [t, p, why] of cases) {
      const { end } = await tell([opened, [t, p]]);
      expect(end).toMatchObject({ kind: 'stopped' });
      expect(end && end.kind === 'stopped' ? end.why : '').toMatch(why);
    }
  });

  it('takes a stop back when a stage starts on the incident again (new evidence sent it back to diagnosis)', async () => {
    const story = new IncidentStory(noDocuments, () => undefined);
    const refused: [TimelineEntry, unknown] = [
      entry('fix.generate', 'FixGenerationRejected', 2000, 'rejected'),
      { reasons: [{ code: 'nothing-automatable', message: 'a person must act' }] },
    ];
    expect(await story.tell(docOf([opened, refused]))).toMatchObject({ kind: 'stopped' });
    // Nothing new: the story stays where it was.
    expect(await story.tell(docOf([opened, refused]))).toMatchObject({ kind: 'stopped' });
    const again: [TimelineEntry, unknown] = [
      entry('diagnosis.analyze', 'DiagnosisRequested', 60_000),
      {
        incidentId: 'inc-1',
        diagnosisId: 'dg-2',
        incidentVersion: 4,
        trigger: 'upstream_event',
        requestedBy: 'x',
      },
    ];
    expect(await story.tell(docOf([opened, refused, again]))).toBeNull();
    expect(story.endedAt).toBeNull();
  });

  it('stops when learning could not judge the fix (no telemetry): nothing follows such an outcome', async () => {
    const unjudged = {
      collection: () => ({
        findOne: async () => ({
          assessment: { confidence: 0, reasons: [{ message: 'no telemetry of checkout' }] },
        }),
      }),
    } as unknown as Db;
    const story = new IncidentStory(unjudged, () => undefined);
    const end = await story.tell(
      docOf([
        opened,
        [
          entry('learning.track', 'EffectivenessTrackingCompleted', 2000),
          {
            outcome: 'no_change',
            resolvesIncident: false,
            improvementScore: 0,
            findingsCleared: 0,
            document,
          },
        ],
      ]),
    );
    expect(end).toEqual({
      kind: 'stopped',
      why: 'the fix serves, but was not judged: no telemetry of checkout',
    });
  });

  it('says a canary wait again only when what it waits for changes', async () => {
    // The projection keeps each event type's latest payload: the story sees the waits as it polls.
    const lines: string[] = [];
    const story = new IncidentStory(noDocuments, (l) => lines.push(l));
    const seen: Array<[TimelineEntry, unknown]> = [];
    for (const reason of [
      'canary at 50 %: canary healthy: errors 0/120 on the canary',
      'canary at 50 %: canary healthy: errors 0/240 on the canary',
      'canary at 100 %: canary healthy: errors 0/10 on the canary',
    ]) {
      seen.push([entry('deployment.deploy', 'DeploymentWaiting', seen.length + 1), { reason }]);
      await story.tell(docOf(seen.map(([t]) => [t, { reason }])));
    }
    expect(lines.filter((l) => l.includes('DeploymentWaiting'))).toHaveLength(2);
  });
});
