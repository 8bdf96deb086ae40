import type { DiagnosedIssue } from '@self-healing/diagnosis';
import type { RemedyKind } from '../src/models/strategyRates.js';

/**
 * The synthetic part of bench:learning: kinds of fault, each with the issue the diagnosis would report for one of
 * its incidents and a stated ground truth of which remedies fix it. Outcomes are drawn from this truth, not measured.
 * The issues are shaped as locate.ts and the suspect ranking shape them (an error's template and innermost frame,
 * the slow step's code, a suspect commit in the deployment window), so the real candidatesFor and rankRemedies
 * decide which remedies exist and how they rank.
 */
export interface FaultType {
  name: string;
  story: string;
  /** The remedies that fix it; any other one leaves the symptom. */
  works: RemedyKind[];
  issue(incident: number, rand: () => number): DiagnosedIssue;
}

const sha = (incident: number, salt: string) =>
  (salt.charCodeAt(0).toString(16) + incident.toString(16).padStart(6, '0')).padEnd(40, 'a');

interface Shape {
  kind: DiagnosedIssue['kind'];
  message?: string;
  path: string;
  line: number;
  fn: string;
  /** A commit of the deployment window touched the evidence lines. */
  deployed: boolean;
  subject: string;
}

function issueOf(shape: Shape, incident: number, rand: () => number, salt: string): DiagnosedIssue {
  const commit = sha(incident, salt);
  const changed = shape.deployed ? `; changed in ${commit.slice(0, 7)} "${shape.subject}"` : '';
  const lines = [
    { path: shape.path, line: shape.line, score: 4, why: `stack frame 0 (${shape.fn})${changed}` },
    ...[-2, -1, 1, 2].map((d) => ({
      path: shape.path,
      line: shape.line + d,
      score: 0.8,
      why: `in ${shape.fn}${changed}`,
      symbol: shape.fn,
    })),
    { path: 'src/server/routes.ts', line: 40, score: 0.5, why: 'stack frame 1 (handle)', symbol: 'handle' },
  ];
  const suspects = shape.deployed
    ? [
        {
          sha: commit,
          score: 5,
          lines: 6,
          subject: shape.subject,
          author: 'dev',
          time: 0,
          why: 'touched 5 lines',
        },
        {
          sha: sha(incident, `${salt}2`),
          score: 0.3 + rand(),
          lines: 2,
          subject: 'Other',
          author: 'dev',
          time: 0,
          why: '',
        },
      ]
    : [];
  return {
    id: `${salt}-${incident}`,
    kind: shape.kind,
    title: shape.message ?? `Slower step in ${shape.fn}`,
    hypothesis: `The fault is at ${shape.path}:${shape.line}.`,
    findingIds: [`f-${salt}-${incident}`],
    lines,
    evidence: shape.message ? { errorTemplate: shape.message } : { steps: shape.fn, findings: 1 },
    ...(shape.kind === 'error' ? { innermostFrame: { path: shape.path, line: shape.line } } : {}),
    // The localization is more or less sure from one incident to the next.
    confidence: 0.6 + 0.3 * rand(),
    suspects,
    bounded: shape.deployed,
    sentrySuspect: shape.deployed ? commit : null,
  };
}

export const FAULTS: FaultType[] = [
  {
    name: 'null-dereference-from-data',
    story:
      'A TypeError on a missing address that new customer data brings; the deployment in the window touched the ' +
      'function but did not cause it: only a guard stops it, a revert does not.',
    works: ['guard'],
    issue: (i, r) =>
      issueOf(
        {
          kind: 'error',
          message: "Cannot read properties of undefined (reading 'street')",
          path: 'src/shipping/labels.ts',
          line: 56 + (i % 7),
          fn: 'formatAddress',
          deployed: true,
          subject: 'Shipping: label layout',
        },
        i,
        r,
        'nd',
      ),
  },
  {
    name: 'null-dereference-elsewhere',
    story:
      'The same kind of TypeError in another file: shares the error-type level with the first, so what was learned ' +
      'there carries over.',
    works: ['guard'],
    issue: (i, r) =>
      issueOf(
        {
          kind: 'error',
          message: "Cannot read properties of null (reading 'amount')",
          path: 'src/billing/invoice.ts',
          line: 120,
          fn: 'total',
          deployed: true,
          subject: 'Billing: rounding',
        },
        i,
        r,
        'ne',
      ),
  },
  {
    name: 'type-error-from-deploy',
    story:
      'A TypeError the deployment brought (a function now returns an object, not an array): the revert fixes it, a ' +
      'guard only hides it. Same error-type level as the null dereferences, opposite truth.',
    works: ['revert-commit', 'revert-hunks'],
    issue: (i, r) =>
      issueOf(
        {
          kind: 'error',
          message: 'TypeError: items.map is not a function',
          path: 'src/catalog/list.ts',
          line: 33,
          fn: 'render',
          deployed: true,
          subject: 'Catalog: paged results',
        },
        i,
        r,
        'td',
      ),
  },
  {
    name: 'latency-regression-after-deploy',
    story:
      'A step got slower with a deployment: reverting its commit works; undoing only the hunks on the evidence lines ' +
      'does not (the slow query came in another file of the same commit), nor does a template change.',
    works: ['revert-commit'],
    issue: (i, r) =>
      issueOf(
        {
          kind: 'performance',
          path: 'src/orders/reserve.ts',
          line: 88,
          fn: 'reserveStock',
          deployed: true,
          subject: 'Orders: stock check',
        },
        i,
        r,
        'lr',
      ),
  },
  {
    name: 'timeout-setting-changed',
    story:
      'A deployment lowered a timeout in the configuration along with a schema migration: the whole revert fails ' +
      '(the migration cannot be undone), restoring the setting or undoing its hunk works.',
    works: ['restore-config', 'revert-hunks'],
    issue: (i, r) =>
      issueOf(
        {
          kind: 'error',
          message: 'connect ETIMEDOUT <*>:<*>',
          path: 'src/config/defaults.ts',
          line: 12,
          fn: 'defaults',
          deployed: true,
          subject: 'Config: faster failover; migrate orders table',
        },
        i,
        r,
        'tc',
      ),
  },
  {
    name: 'unhandled-rejection',
    story:
      'An unhandled promise rejection with no deployment to blame: awaiting the promise fixes it, a template ' +
      'change at the line does not.',
    works: ['missing-await'],
    issue: (i, r) =>
      issueOf(
        {
          kind: 'error',
          message: 'Unhandled promise rejection: <*>',
          path: 'src/payments/capture.ts',
          line: 71,
          fn: 'capture',
          deployed: false,
          subject: '',
        },
        i,
        r,
        'ur',
      ),
  },
];
