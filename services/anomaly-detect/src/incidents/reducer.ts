import type { Finding, FindingKind, Severity } from '@self-healing/schemas';
import { stableId } from './stable-id.js';

/**
 * Grouping rule. A finding joins an OPEN incident when all three hold:
 *  1. same service;
 *  2. related: it shares a link key with the incident — a template id (`t:<id>`), a subject (`s:<subject>`:
 *     the metric, step, `file:line` or stack signature), a rule (`r:<kind>/<rule>`, but not a novelty rule's:
 *     see `linkKeys`) or, for performance findings, a metric (`m:<metric>`, e.g. latency.p95 on another template)
 *     of any finding in it, or, for behavioural findings, the session they were seen in (`x:<session>`);
 *  3. close in time: the finding began (`since`) no later than `correlationWindowMs` after the incident was last
 *     seen.
 * When it matches several open incidents it joins the earliest opened (ties by id); incidents are never merged,
 * so ids stay stable. Otherwise, when a RESOLVED incident of the same service shares a link key and the finding
 * arrives within `reopenHorizonMs` of that resolution, the same incident is re-opened (same id). Otherwise the
 * finding opens a new incident whose id is derived from its signature (service + the smallest link key, but the metric, of the
 * founding finding) and its first-seen time, so processing the same findings again yields the same ids.
 */
export interface IncidentPolicy {
  correlationWindowMs: number;
  /** An incident resolves after this long (event time) without findings... */
  quietPeriodMs: number;
  /** ...multiplied by this for every time it was re-opened (hysteresis against flapping), up to the cap. */
  flapBackoff: number;
  maxQuietPeriodMs: number;
  reopenHorizonMs: number;
  /** Finding ids kept per incident (the count goes on); redelivery is recognised through the global index. */
  maxFindingIdsPerIncident: number;
  /** Magnitude at which a finding of a rule counts as "large" (its magnitude / reference is used). */
  magnitudeReference: Record<string, number>;
}

export const defaultIncidentPolicy: IncidentPolicy = {
  correlationWindowMs: 10 * 60_000,
  quietPeriodMs: 15 * 60_000,
  flapBackoff: 2,
  maxQuietPeriodMs: 4 * 60 * 60_000,
  reopenHorizonMs: 24 * 60 * 60_000,
  maxFindingIdsPerIncident: 200,
  magnitudeReference: {
    'error-burst': 6,
    'new-error-template': 20,
    'new-stack-signature': 20,
    'missing-step': 8,
    'step-out-of-order': 8,
    'unexpected-step': 8,
    'repeated-step': 3,
    'unseen-template': 1,
    'hot-uncovered': 1000,
    'hot-unmeasured': 1000,
  },
};

export type IncidentStatus = 'open' | 'resolved';
/** Why a resolved incident was closed (absent in state written before verdicts existed: recovered). */
export type Resolution = 'recovered' | 'fixed' | 'dismissed';

export interface Incident {
  id: string;
  /** `service|anchor key`: what the incident is about, stable across re-opening. */
  signature: string;
  service: string;
  status: IncidentStatus;
  severity: Severity;
  openedAt: number;
  lastSeen: number;
  resolvedAt: number | null;
  /** Set while resolved; what the last resolution was once re-opened (IncidentReopened.previousResolution). */
  resolution?: Resolution;
  /**
   * Dismissed as not a problem: until this time (event time), findings of its templates or subjects are absorbed
   * without a word instead of opening or re-opening anything. The detectors' feedback from operators.
   */
  quietUntil?: number;
  reopenCount: number;
  linkKeys: string[];
  kinds: FindingKind[];
  rules: string[];
  subjects: string[];
  templateIds: string[];
  findingIds: string[];
  findingCount: number;
  /** Largest magnitude / reference over the findings (see `IncidentPolicy.magnitudeReference`). */
  peakMagnitude: number;
  /** The founding finding's explanation, for people. */
  summary: string;
}

/** Serialisable (plain JSON) reducer state. */
export interface IncidentReducerState {
  incidents: Record<string, Incident>;
  /** Finding id -> incident id, to recognise redelivered findings. */
  findingIndex: Record<string, string>;
}

export interface EvolveResult {
  state: IncidentReducerState;
  opened: Incident[];
  updated: Incident[];
  resolved: Incident[];
  reopened: Incident[];
  /** Findings absorbed by a dismissed incident's quiet time: nothing opened, nothing announced. */
  quieted: number;
}

export const emptyIncidentReducerState = (): IncidentReducerState => ({ incidents: {}, findingIndex: {} });

/**
 * What relates findings: their templates, their subject, their rule (many traces missing the same kind of step
 * at once, or many hot uncovered lines, are one problem to look at, not one per trace or line), and for
 * performance findings their metric (`m:<metric>`): one slowdown shows as a spike on one template and a lasting
 * shift on the next, and a service's latency rising on several templates at once is one thing to look at.
 *
 * Novelty rules (`NOVELTY_RULES`) link by what they found, never by rule: each of their findings is one new thing (an
 * error template, a stack signature, a log line) that is itself the problem's identity. Two new errors of a
 * service are one problem when they share a template (the new error line and its new stack do), not for both
 * being new: linked by rule, a fault's error joined the incident a rare handled error had opened minutes before,
 * whose diagnosis (of that other error) had already ended, and the fault was never diagnosed (ten-service chaos run).
 */
export function linkKeys(f: Finding): string[] {
  const metric = f.kind === 'performance' ? f.evidence['metric'] : undefined;
  const session = f.kind === 'behavioral' ? f.evidence['sessionKey'] : undefined;
  return [
    ...new Set([
      ...f.templateIds.map((t) => `t:${t}`),
      `s:${f.subject}`,
      ...(NOVELTY_RULES.has(f.rule) ? [] : [`r:${f.kind}/${f.rule}`]),
      ...(typeof metric === 'string' ? [`${METRIC_KEY}${metric}`] : []),
      ...(typeof session === 'string' && session !== '' ? [`${SESSION_KEY}${session}`] : []),
    ]),
  ].sort();
}

/** Rules whose every finding is about one thing never seen before: see `linkKeys`. */
export const NOVELTY_RULES: ReadonlySet<string> = new Set([
  'new-error-template',
  'new-stack-signature',
  'unseen-template',
]);

const METRIC_KEY = 'm:';
/**
 * One session's violations are one problem: a step moved shows as a step missing where it was, one unexpected
 * where it is now and one out of order, each with its own rule and step. Linked only by their rules, the three
 * opened three incidents for one fault in a healing run, each diagnosed and fixed on its own: two pull requests
 * reverting the same commit, the second conflicting. Sorts after the other keys, so anchors (ids) do not change.
 */
const SESSION_KEY = 'x:';

/**
 * The key an incident's id and signature derive from: the smallest link key but the metric's, which came later
 * (ids of incidents that existed before it stay the same) and is too broad to name an incident by.
 */
function anchorOf(keys: readonly string[]): string {
  return keys.find((k) => !k.startsWith(METRIC_KEY)) ?? keys[0]!;
}

/**
 * Pure reducer: folds findings into incidents and resolves incidents that have been quiet long enough at `now`
 * (event time). The input state is not modified.
 */
export function evolve(
  state: IncidentReducerState,
  findings: readonly Finding[],
  now: number,
  policy: IncidentPolicy = defaultIncidentPolicy,
): EvolveResult {
  const next: IncidentReducerState = structuredClone(state);
  const opened = new Set<string>();
  const updated = new Set<string>();
  const reopened = new Set<string>();
  const resolved = new Set<string>();
  let quieted = 0;
  const ordered = [...findings].sort((a, b) => a.since - b.since || a.at - b.at || a.id.localeCompare(b.id));

  for (const f of ordered) {
    const keys = linkKeys(f);
    const knownIn = next.findingIndex[f.id];
    const known = knownIn ? next.incidents[knownIn] : undefined;
    if (known) {
      // Redelivered or updated finding: it may extend the incident in time, never opens a new one.
      if (isQuiet(known, f.at)) {
        absorb(known, f, keys, policy, false);
        quieted++;
        continue;
      }
      if (known.status === 'resolved' && f.at > (known.resolvedAt ?? 0)) {
        if (f.at - known.resolvedAt! <= policy.reopenHorizonMs) {
          reopen(known);
          reopened.add(known.id);
        }
      }
      if (absorb(known, f, keys, policy, false)) updated.add(known.id);
      continue;
    }
    const incidents = Object.values(next.incidents).filter((i) => i.service === f.service);
    // An operator said this is not a problem: the same templates or subject stay quiet for the time they gave.
    const dismissed = incidents
      .filter((i) => isQuiet(i, f.at) && coversNarrowly(i, f))
      .sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0) || a.id.localeCompare(b.id))[0];
    if (dismissed) {
      absorb(dismissed, f, keys, policy, true);
      next.findingIndex[f.id] = dismissed.id;
      quieted++;
      continue;
    }
    const related = (i: Incident): boolean => keys.some((k) => i.linkKeys.includes(k));
    const open = incidents
      .filter((i) => i.status === 'open' && related(i) && f.since <= i.lastSeen + policy.correlationWindowMs)
      .sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id))[0];
    if (open) {
      absorb(open, f, keys, policy, true);
      next.findingIndex[f.id] = open.id;
      updated.add(open.id);
      continue;
    }
    const back = incidents
      .filter((i) => i.status === 'resolved' && !isQuiet(i, f.at) && related(i))
      .sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0) || a.id.localeCompare(b.id))[0];
    if (back && f.at - (back.resolvedAt ?? 0) <= policy.reopenHorizonMs) {
      // A late finding from before the resolution belongs to the past episode: no re-open.
      if (f.at > (back.resolvedAt ?? 0)) {
        reopen(back);
        reopened.add(back.id);
      }
      absorb(back, f, keys, policy, true);
      next.findingIndex[f.id] = back.id;
      updated.add(back.id);
      continue;
    }
    const anchor = anchorOf(keys);
    const incident: Incident = {
      id: stableId('inc', f.service, anchor, f.since),
      signature: `${f.service}|${anchor}`,
      service: f.service,
      status: 'open',
      severity: 'low',
      openedAt: f.since,
      lastSeen: f.at,
      resolvedAt: null,
      reopenCount: 0,
      linkKeys: [],
      kinds: [],
      rules: [],
      subjects: [],
      templateIds: [],
      findingIds: [],
      findingCount: 0,
      peakMagnitude: 0,
      summary: f.explanation,
    };
    const existing = next.incidents[incident.id];
    if (existing) {
      // Same signature and first-seen time: the same incident (state was pruned or findings reshuffled).
      absorb(existing, f, keys, policy, true);
      next.findingIndex[f.id] = existing.id;
      updated.add(existing.id);
      continue;
    }
    absorb(incident, f, keys, policy, true);
    next.incidents[incident.id] = incident;
    next.findingIndex[f.id] = incident.id;
    opened.add(incident.id);
  }

  for (const incident of Object.values(next.incidents)) {
    if (incident.status !== 'open') continue;
    const quiet = Math.min(
      policy.maxQuietPeriodMs,
      policy.quietPeriodMs * Math.pow(policy.flapBackoff, incident.reopenCount),
    );
    if (now - incident.lastSeen >= quiet) {
      incident.status = 'resolved';
      incident.resolution = 'recovered';
      incident.resolvedAt = incident.lastSeen + quiet;
      resolved.add(incident.id);
    }
  }

  // Forget incidents that can no longer re-open, and their findings.
  for (const incident of Object.values(next.incidents)) {
    if (
      incident.status === 'resolved' &&
      now - incident.resolvedAt! > policy.reopenHorizonMs &&
      !isQuiet(incident, now)
    ) {
      delete next.incidents[incident.id];
      for (const [findingId, incidentId] of Object.entries(next.findingIndex)) {
        if (incidentId === incident.id) delete next.findingIndex[findingId];
      }
    }
  }

  const pick = (ids: Set<string>, exclude: Set<string>[] = []): Incident[] =>
    [...ids]
      .filter((id) => !exclude.some((e) => e.has(id)))
      .map((id) => next.incidents[id])
      .filter((i): i is Incident => i !== undefined)
      .sort((a, b) => a.openedAt - b.openedAt || a.id.localeCompare(b.id));
  return {
    state: next,
    opened: pick(opened),
    reopened: pick(reopened, [opened]),
    updated: pick(updated, [opened, reopened]),
    resolved: pick(resolved),
    quieted,
  };
}

/** Dismissed, and its quiet time not over at `at`. */
export function isQuiet(incident: Incident, at: number): boolean {
  return incident.status === 'resolved' && incident.quietUntil !== undefined && at < incident.quietUntil;
}

/**
 * A dismissal silences what the operator looked at: the incident's templates and subjects, not its rules or
 * metrics (a dismissed slow template must not silence every latency finding of the service).
 */
function coversNarrowly(incident: Incident, f: Finding): boolean {
  return incident.subjects.includes(f.subject) || f.templateIds.some((t) => incident.templateIds.includes(t));
}

export function reopen(incident: Incident): void {
  incident.resolution = incident.resolution ?? 'recovered';
  incident.status = 'open';
  incident.resolvedAt = null;
  delete incident.quietUntil;
  incident.reopenCount++;
}

/** Adds the finding to the incident; returns true when anything a consumer would show changed. */
function absorb(
  incident: Incident,
  f: Finding,
  keys: string[],
  policy: IncidentPolicy,
  isNew: boolean,
): boolean {
  const before = JSON.stringify([
    incident.severity,
    incident.lastSeen,
    incident.findingCount,
    incident.status,
  ]);
  const add = <T>(list: T[], value: T): void => {
    if (!list.includes(value)) list.push(value);
  };
  for (const k of keys) add(incident.linkKeys, k);
  add(incident.kinds, f.kind);
  add(incident.rules, f.rule);
  add(incident.subjects, f.subject);
  for (const t of f.templateIds) add(incident.templateIds, t);
  if (isNew) {
    incident.findingCount++;
    if (incident.findingIds.length < policy.maxFindingIdsPerIncident) incident.findingIds.push(f.id);
  }
  incident.openedAt = Math.min(incident.openedAt, f.since);
  incident.lastSeen = Math.max(incident.lastSeen, f.at);
  const reference = policy.magnitudeReference[f.rule] ?? 1;
  incident.peakMagnitude = Math.max(incident.peakMagnitude, f.magnitude / reference);
  const severity = severityOf(incident);
  // Severity only rises while an incident lives: a quieter finding does not make the incident less serious.
  if (rank[severity] > rank[incident.severity]) incident.severity = severity;
  return (
    before !== JSON.stringify([incident.severity, incident.lastSeen, incident.findingCount, incident.status])
  );
}

const rank: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * Severity from magnitude, breadth and duration, as points:
 *  magnitude: peak magnitude/reference >= 1.5 -> 1, >= 3 -> 2;
 *  breadth: >= 2 finding kinds -> 1, >= 3 -> 2; >= 5 subjects -> 1; >= 20 findings -> 1;
 *  duration: lastSeen - openedAt >= 15 min -> 1, >= 1 h -> 2;
 * 0-1 low, 2-3 medium, 4-5 high, >= 6 critical. Error bursts and new crash sites are at least medium.
 */
export function severityOf(
  i: Pick<
    Incident,
    'peakMagnitude' | 'kinds' | 'subjects' | 'findingCount' | 'openedAt' | 'lastSeen' | 'rules'
  >,
): Severity {
  let points = 0;
  points += i.peakMagnitude >= 3 ? 2 : i.peakMagnitude >= 1.5 ? 1 : 0;
  points += i.kinds.length >= 3 ? 2 : i.kinds.length >= 2 ? 1 : 0;
  points += i.subjects.length >= 5 ? 1 : 0;
  points += i.findingCount >= 20 ? 1 : 0;
  const duration = i.lastSeen - i.openedAt;
  points += duration >= 60 * 60_000 ? 2 : duration >= 15 * 60_000 ? 1 : 0;
  const floor = i.rules.includes('error-burst') || i.rules.includes('new-stack-signature') ? 2 : 0;
  points = Math.max(points, floor);
  return points >= 6 ? 'critical' : points >= 4 ? 'high' : points >= 2 ? 'medium' : 'low';
}
