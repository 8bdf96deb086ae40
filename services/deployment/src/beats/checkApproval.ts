import type { PayloadOf } from '@self-healing/schemas';
import type { DeploymentBeat, DeploymentDeps } from '../service/deps.js';
import type { DeploymentCase } from '../service/case.js';
import { decideApproval, decideRollbackApproval } from '../policy/approval.js';
import { fixBranch, pullRequest, pushFix } from '../change/propose.js';
import { rejected } from './deployRequested.js';

/**
 * Beat 3. The service's healing policy decides from the incident's severity, the kind of remedy, the patch's size,
 * the proof it has and the hour whether the fix goes out on its own. When it asks for a person, the fix is first put
 * up for review (branch and pull request, as beats 4-6 would), then the run waits: `healctl approve` or `healctl
 * reject` (ApproveDeploymentCommand / RejectDeploymentCommand naming this deployment and patch), or an approving
 * review on the pull request, seen at the next look, ends the wait. Past the deadline the fix is refused and the
 * pull request closed: the incident goes back to people. The policy's answer is recorded once, so a re-run after a
 * crash (or at another hour) gives the same answer.
 */
export const checkApproval: DeploymentBeat<'checkApproval'> = async (
  { runId, cause, resumedBy, effects },
  deps,
) => {
  let c = await deps.caseOf(runId);
  const l = c.loaded!;
  if (l.problem) return rejected(cause, l.problem.code, l.problem.message, l.problem.field);
  const policyName = `catalogue:${l.service}.healing`;
  if (!c.approval && c.rollbackOf) {
    // Taking out a fix that production measured as harmful restores code that served before it: no one is asked,
    // unless the service's policy wants a person for that too (then the revert's pull request waits for them).
    const now = deps.now();
    const decision = decideRollbackApproval(deps.service(l.service)!.healing, {
      deploymentId: c.rollbackOf.deploymentId,
      reason: c.rollbackOf.reason,
      requestedBy: c.requestedBy,
    });
    c = await deps.record(runId, 'approval', {
      ...decision,
      decidedAt: now,
      deadline: decision.automatic ? now : now + deps.settings.approvalTimeoutMs,
    });
  }
  if (!c.approval) {
    const entry = deps.service(l.service)!;
    const now = deps.now();
    const decision = decideApproval(
      entry.healing,
      {
        severity: l.severity,
        remedyKind: l.remedyKind,
        patchLines: l.patchLines,
        proven: l.validation.proven,
      },
      now,
    );
    c = await deps.record(runId, 'approval', {
      ...decision,
      decidedAt: now,
      deadline: now + deps.settings.approvalTimeoutMs,
    });
  }
  const approval = c.approval!;
  if (approval.automatic)
    return {
      event: {
        type: 'ApprovalChecked',
        payload: { status: 'approved', mode: 'policy', policy: policyName, approver: null, reasons: [] },
      },
    };

  if (!c.decision) {
    const answer = await answerOf(deps, c, resumedBy);
    if (answer) c = await deps.record(runId, 'decision', answer);
  }
  if (c.decision?.approved)
    return {
      event: {
        type: 'ApprovalChecked',
        payload: {
          status: 'approved',
          mode: 'person',
          policy: policyName,
          approver: c.decision.by,
          reasons: approval.reasons,
        },
      },
    };
  if (c.decision) {
    await closeReview(
      deps,
      c,
      effects,
      `Rejected by ${c.decision.by}: ${c.decision.reason ?? 'no reason given'}`,
    );
    return rejected(
      cause,
      'rejected-by-person',
      `${c.decision.by} rejected the fix: ${c.decision.reason ?? 'no reason given'}`,
    );
  }
  if (deps.now() >= approval.deadline) {
    await closeReview(
      deps,
      c,
      effects,
      'Nobody approved this fix before its deadline; the incident is back with its owners.',
    );
    return rejected(
      cause,
      'approval-deadline',
      `nobody approved the fix by ${new Date(approval.deadline).toISOString()}: escalated to the service's owners`,
    );
  }
  // Put the fix up for review before waiting, so the person asked has a pull request to read.
  c = await pullRequest(deps, await pushFix(deps, await fixBranch(deps, c)));
  return {
    wait: {
      // Looked at again every poll interval, for an approving review on the forge; the deadline ends it.
      until: Math.min(approval.deadline, deps.now() + deps.settings.reviewPollMs),
      reason:
        `needs a person (${approval.reasons.map((r) => r.code).join(', ')}): review ${c.pullRequest!.url}, then ` +
        `healctl approve ${c.incidentId} or healctl reject ${c.incidentId} --reason ... (deadline ${new Date(approval.deadline).toISOString()})`,
    },
  };
};

type Answer = NonNullable<DeploymentCase['decision']>;

/** A person's answer: a command naming this deployment and patch, or a review on the pull request. */
async function answerOf(
  deps: DeploymentDeps,
  c: DeploymentCase,
  resumedBy: { type: string; payload: unknown } | null,
): Promise<Answer | null> {
  const now = deps.now();
  if (resumedBy?.type === 'ApproveDeploymentCommand' || resumedBy?.type === 'RejectDeploymentCommand') {
    const p = resumedBy.payload as PayloadOf<'ApproveDeploymentCommand'> & { reason?: string };
    // An answer about another deployment or another patch is not an answer about this one.
    if (p.deploymentId !== c.deploymentId || p.patchId !== c.patchId) return null;
    return resumedBy.type === 'ApproveDeploymentCommand'
      ? { approved: true, by: p.requestedBy, at: now, reason: p.comment ?? null }
      : { approved: false, by: p.requestedBy, at: now, reason: p.reason ?? null };
  }
  if (!c.pullRequest || !c.branch) return null;
  const me = deps.settings.forge?.user;
  const reviews = await deps
    .forge()
    .listReviews({ owner: c.branch.owner, name: c.branch.name }, c.pullRequest.number);
  // Only a review of the commit that is proposed counts, and never the platform's own.
  const current = reviews.filter((r) => r.user !== me && (!r.commitSha || r.commitSha === c.branch!.commit));
  const refused = current.find((r) => r.state === 'changes_requested');
  if (refused)
    return {
      approved: false,
      by: `forge:${refused.user}`,
      at: now,
      reason: 'changes requested on the pull request',
    };
  const approved = current.find((r) => r.state === 'approved');
  return approved
    ? { approved: true, by: `forge:${approved.user}`, at: now, reason: 'approving review' }
    : null;
}

async function closeReview(
  deps: DeploymentDeps,
  c: DeploymentCase,
  effects: { once<T>(name: string, f: (key: string) => Promise<T>): Promise<{ result: T }> },
  why: string,
): Promise<void> {
  if (!c.pullRequest || !c.branch) return;
  const repo = { owner: c.branch.owner, name: c.branch.name };
  await effects.once('close-pull-request', async () => {
    const pr = await deps.forge().getPullRequest(repo, c.pullRequest!.number);
    if (pr.state === 'open') await deps.forge().closePullRequest(repo, c.pullRequest!.number);
    return { closed: true, why };
  });
}
