import type { HealingPolicy, remedyKinds, validations } from '@self-healing/shared/catalogue';
import { severities } from '@self-healing/shared/catalogue';

export type Severity = (typeof severities)[number];
export type RemedyKind = (typeof remedyKinds)[number];
export type ValidationKind = (typeof validations)[number];
type Condition = HealingPolicy['autoMerge'];

/** What the policy is asked about one fix. */
export interface FixFacts {
  severity: Severity;
  remedyKind: RemedyKind;
  /** Lines added plus lines removed by the patch. */
  patchLines: number;
  /** The kinds of proof the fix has: tests and build from validation, replay when its performance check passed. */
  proven: ValidationKind[];
}

export interface Reason {
  code: string;
  message: string;
  field: string | null;
}

export interface ApprovalDecision {
  /** True when the policy lets the platform merge and deploy on its own. */
  automatic: boolean;
  /** Why a person is needed (empty when automatic). */
  reasons: Reason[];
}

/**
 * The healing policy's answer for one fix: the platform merges and deploys on its own only when both the
 * auto-merge and the auto-deploy conditions hold; anything outside either waits for a person. Every unmet condition
 * is named, so the person asked sees why. A deployment always goes out as a canary, so `canary` counts as proven.
 */
export function decideApproval(policy: HealingPolicy, facts: FixFacts, now: number): ApprovalDecision {
  const reasons = [
    ...unmet('autoMerge', policy.autoMerge, facts, now),
    ...unmet('autoDeploy', policy.autoDeploy, facts, now),
  ];
  return { automatic: reasons.length === 0, reasons };
}

function unmet(name: string, c: Condition, facts: FixFacts, now: number): Reason[] {
  const field = (f: string) => `healing.${name}.${f}`;
  if (!c.enabled)
    return [{ code: 'policy-disabled', message: `${name} is off for this service`, field: field('enabled') }];
  const out: Reason[] = [];
  if (severities.indexOf(facts.severity) > severities.indexOf(c.maxSeverity))
    out.push({
      code: 'severity-too-high',
      message: `${name}: the incident is ${facts.severity}; on its own the platform acts up to ${c.maxSeverity}`,
      field: field('maxSeverity'),
    });
  if (!c.remedyKinds.includes(facts.remedyKind))
    out.push({
      code: 'remedy-kind-needs-review',
      message: `${name}: a ${facts.remedyKind} is not among ${c.remedyKinds.join(', ') || 'no kinds'}`,
      field: field('remedyKinds'),
    });
  if (facts.patchLines > c.maxPatchLines)
    out.push({
      code: 'patch-too-large',
      message: `${name}: the patch changes ${facts.patchLines} lines; at most ${c.maxPatchLines} go out unreviewed`,
      field: field('maxPatchLines'),
    });
  const proven = new Set<ValidationKind>([...facts.proven, 'canary']);
  const missing = c.requiredValidation.filter((v) => !proven.has(v));
  if (missing.length)
    out.push({
      code: 'validation-too-weak',
      message: `${name}: the fix lacks ${missing.join(', ')} proof`,
      field: field('requiredValidation'),
    });
  const hour = withinHours(c.allowedHours, now);
  if (hour !== true)
    out.push({ code: 'outside-allowed-hours', message: `${name}: ${hour}`, field: field('allowedHours') });
  return out;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** True inside the window; otherwise why not (a timezone the runtime does not know is never inside). */
export function withinHours(w: Condition['allowedHours'], now: number): true | string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: w.timezone,
      weekday: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
    }).formatToParts(new Date(now));
  } catch {
    return `unknown timezone ${JSON.stringify(w.timezone)}`;
  }
  const day = WEEKDAYS.indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '');
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const local = `${WEEKDAYS[day] ?? '?'} ${String(hour).padStart(2, '0')}:00 in ${w.timezone}`;
  if (!w.days.includes(day)) return `${local} is not an allowed day`;
  if (hour < w.fromHour || hour >= w.toHour) return `${local} is outside ${w.fromHour}:00-${w.toHour}:00`;
  return true;
}

/**
 * The policy's answer for taking a promoted fix out again: on its own by default (the revert restores code that
 * served before the fix), or by a person when the service's `healing.rollback` says `approval`.
 */
export function decideRollbackApproval(
  policy: Pick<HealingPolicy, 'rollback'>,
  rollback: { deploymentId: string; reason: string; requestedBy: string },
): ApprovalDecision & { reasons: [Reason, ...Reason[]] } {
  const what = `rollback of ${rollback.deploymentId} asked by ${rollback.requestedBy}: ${rollback.reason}`;
  if (policy.rollback === 'approval')
    return {
      automatic: false,
      reasons: [
        {
          code: 'rollback-needs-approval',
          message: `${what}; the service wants a person to approve it`,
          field: 'healing.rollback',
        },
      ],
    };
  return { automatic: true, reasons: [{ code: 'rollback', message: what, field: null }] };
}
