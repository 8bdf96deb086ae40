import type { DeploymentCase } from '../service/case.js';

/**
 * The fix commit's message: what it fixes, for which incident, why (the diagnosis' account) and what proved it
 * (the validation). Written for the people who will read `git log` long after the incident.
 */
export function commitMessage(c: DeploymentCase): string {
  const l = c.loaded!;
  if (c.rollbackOf)
    return [
      l.title,
      '',
      `This reverts merge ${c.rollbackOf.mergeCommit} (deployment ${c.rollbackOf.deploymentId}, incident ${c.incidentId}).`,
      '',
      `Why: ${c.rollbackOf.reason}`,
      `Asked by: ${c.requestedBy}`,
      '',
      `Evidence: healctl incidents show ${c.incidentId}`,
      `Deployment: ${c.deploymentId}`,
      '',
    ].join('\n');
  return [
    l.title,
    '',
    `Incident ${c.incidentId}; patch ${c.patchId} (${l.strategy}, ${l.remedyKind}); validation ${c.validationId}: ${l.validation.verdict}.`,
    '',
    ...(l.cause.length ? ['Cause:', ...l.cause.map((x) => `- ${x}`), ''] : []),
    'Checks:',
    ...l.validation.checks.map((x) => `- ${x.check}: ${x.verdict}: ${x.summary}`),
    '',
    `Evidence: healctl incidents show ${c.incidentId}`,
    `Deployment: ${c.deploymentId}`,
    '',
  ].join('\n');
}

/** The pull request's description: the diagnosis, the validation verdict and the diff summary. */
export function pullRequestBody(c: DeploymentCase, diffStat: string): string {
  const l = c.loaded!;
  const approval = c.decision
    ? `approved by ${c.decision.by}`
    : c.approval?.automatic
      ? 'approved by the healing policy (no person needed)'
      : 'waiting for a person';
  if (c.rollbackOf)
    return [
      `Automated rollback for incident \`${c.incidentId}\` (${l.severity}): the fix merged as \`${c.rollbackOf.mergeCommit.slice(0, 12)}\`${c.rollbackOf.pullRequestUrl ? ` (${c.rollbackOf.pullRequestUrl})` : ''} is taken out again.`,
      '',
      `Why: ${c.rollbackOf.reason}`,
      '',
      '### Change',
      `${l.patchLines} lines, the fix's diff reversed on the default branch's head:`,
      '',
      '```',
      diffStat.trim(),
      '```',
      '',
      `Approval: ${approval}. Merged once \`ci/validation\` is green; deployed as a canary and judged against the version with the fix.`,
      '',
      `Timeline: \`healctl incidents show ${c.incidentId}\``,
    ].join('\n');
  return [
    `Automated fix for incident \`${c.incidentId}\` (${l.severity}).`,
    '',
    l.description,
    '',
    '### Diagnosis',
    ...(l.cause.length ? l.cause.map((x) => `- ${x}`) : ['- (no issue recorded)']),
    '',
    `### Validation \`${c.validationId}\`: ${l.validation.verdict}`,
    ...l.validation.checks.map((x) => `- **${x.check}**: ${x.verdict}: ${x.summary}`),
    '',
    '### Change',
    `Patch \`${c.patchId}\` (${l.strategy}, ${l.remedyKind}), ${l.patchLines} lines:`,
    '',
    '```',
    diffStat.trim(),
    '```',
    '',
    `Approval: ${approval}. Merged once \`ci/validation\` is green; deployed as a canary and judged against the stable version.`,
    '',
    `Timeline: \`healctl incidents show ${c.incidentId}\``,
  ].join('\n');
}
