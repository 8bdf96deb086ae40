import { describe, expect, it } from 'vitest';
import { platformTopicNames } from '@self-healing/shared';
import type { PayloadOf } from '@self-healing/schemas';
import type { Assessment } from '../compare/assess.js';
import type { LearningCase } from './case.js';
import { followUpOf } from './followUp.js';

const topics = platformTopicNames('t.');
const caseOf = (deploymentOutcome: 'deployed' | 'rolled_back') =>
  ({
    _id: 'inc-1',
    incidentId: 'inc-1',
    deploymentId: 'dp-1',
    loaded: { deploymentOutcome },
  }) as unknown as LearningCase;
const assessed = (outcome: Assessment['outcome'], confidence = 0.9): Assessment => ({
  outcome,
  confidence,
  reasons: [{ code: 'x', message: `series ${outcome}`, field: null }],
  rollbackRecommended: outcome === 'regressed',
});

describe('what an outcome asks of the deployment stage', () => {
  it('takes out a fix that made things worse, then asks for the next candidate, once per deployment', () => {
    const a = followUpOf(caseOf('deployed'), assessed('regressed'), topics, 'corr');
    const b = followUpOf(caseOf('deployed'), assessed('regressed'), topics, 'corr');
    expect(a?.topic).toBe(topics.commands);
    expect(a?.event.meta.type).toBe('RollbackDeploymentCommand');
    const p = a!.event.payload as PayloadOf<'RollbackDeploymentCommand'>;
    expect(p).toMatchObject({ incidentId: 'inc-1', deploymentId: 'dp-1', nextCandidate: true });
    expect(p.reason).toMatch(/making things worse: series regressed/);
    expect(a!.event.meta.eventId).toBe(b!.event.meta.eventId);
  });

  it('takes out a fix that measurably changed nothing, but not one that could not be judged', () => {
    expect(followUpOf(caseOf('deployed'), assessed('no_change'), topics, 'c')?.event.meta.type).toBe(
      'RollbackDeploymentCommand',
    );
    expect(followUpOf(caseOf('deployed'), assessed('no_change', 0), topics, 'c')).toBeNull();
  });

  it('asks nothing for a resolved or improved fix, nor for one its canary already rolled back', () => {
    expect(followUpOf(caseOf('deployed'), assessed('resolved'), topics, 'c')).toBeNull();
    expect(followUpOf(caseOf('deployed'), assessed('improved'), topics, 'c')).toBeNull();
    expect(followUpOf(caseOf('rolled_back'), assessed('regressed'), topics, 'c')).toBeNull();
  });
});
