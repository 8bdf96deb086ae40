import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { touches } from './changes.js';
import { frameMapper, type SourceLayout } from './runtimeFrames.js';
import { stepBehindSlowdown } from './innerStep.js';
import { settingsRead } from './settings.js';
import type {
  ChangeWindow,
  CodeModel,
  CodeSpan,
  Evidence,
  LocatedIssue,
  ScoredLine,
  SiteMatch,
} from './types.js';
import type ts from 'typescript';

/**
 * The locators: from one kind of finding to lines of the repository, each with its reason. They read the evidence
 * the incident carries (stacks and templates of the incident's own log events), the code model of the deployed
 * commit and the lines changed between the last good and the first bad deployment; they never run anything.
 *
 * Scores are relative within an issue: a stack frame's own line outranks the rest of its function, the code a slow
 * step runs outranks the functions it calls, and a line that changed in the deployment window outranks one that
 * did not (CHANGED_WEIGHT), because a symptom that began with a deployment was most likely brought by it.
 */
export const CHANGED_WEIGHT = 4;
const BESIDE_WEIGHT = 2.5;

export interface LocateInput {
  findings: readonly Finding[];
  /** The incident's log events (its parse runs, its services, its time range). */
  events: readonly TemplatedEvent[];
  /**
   * For performance: the services' events of every parse run from ten minutes before the incident began, to
   * compare a slowed request's steps before and after the onset. Absent: `events` stand in.
   */
  around?: readonly TemplatedEvent[];
  /** Template text by id, for the templates the findings name. */
  templates: ReadonlyMap<string, string>;
  code: CodeModel;
  window: ChangeWindow | null;
  layout: SourceLayout;
  compilerOptions?: ts.CompilerOptions;
}

function spanLines(span: CodeSpan, score: number, why: string): ScoredLine[] {
  const out: ScoredLine[] = [];
  for (let l = span.start; l <= span.end; l++)
    out.push({ path: span.path, line: l, score, why, symbol: span.name });
  return out;
}

/** Raises lines the deployment window changed; keeps the strongest reason per line; best first. */
export function weighChanges(lines: readonly ScoredLine[], window: ChangeWindow | null): ScoredLine[] {
  const best = new Map<string, ScoredLine>();
  for (const l of lines) {
    let scored = l;
    if (window) {
      for (const c of window.commits) {
        if (c.styleOnly) continue;
        const t = touches(c.touches, l.path, l.line);
        if (!t) continue;
        const w = t === 'line' ? CHANGED_WEIGHT : BESIDE_WEIGHT;
        scored = {
          ...l,
          score: l.score * w,
          why: `${l.why}; ${t === 'line' ? 'changed' : 'code deleted beside it'} in ${c.sha.slice(0, 7)} "${c.subject}"`,
        };
        break; // the newest commit that touched it
      }
    }
    const key = `${l.path}:${l.line}`;
    const had = best.get(key);
    if (!had || had.score < scored.score) best.set(key, scored);
  }
  return [...best.values()].sort(
    (a, b) => b.score - a.score || a.path.localeCompare(b.path) || a.line - b.line,
  );
}

/** The evidence lines and the changed settings they read (settings.ts), weighed by the deployment window. */
function weighWithSettings(lines: readonly ScoredLine[], input: LocateInput): ScoredLine[] {
  return weighChanges([...lines, ...settingsRead(lines, input.code, input.window)], input.window);
}

const templateOf = (input: LocateInput, id: string): string | undefined =>
  input.templates.get(id) ?? input.events.find((e) => e.templateId === id)?.template;

function siteLines(code: CodeModel, site: SiteMatch, weight: number, why: string): ScoredLine[] {
  const out: ScoredLine[] = [{ path: site.path, line: site.line, score: weight * site.score, why }];
  const fn = site.fn ?? code.enclosing(site.path, site.line);
  if (fn) out.push(...spanLines(fn, 0.25 * weight * site.score, `in ${fn.name}, which logs it`));
  return out;
}

// ---- errors -----------------------------------------------------------------------------------------------------

/**
 * Errors: the stacks of the incident's error events (of the findings' templates, else any error with a stack),
 * mapped to source lines; the innermost frame scores highest, each frame's function a little. Without a stack, the
 * log statements that write the error templates and their functions.
 */
/**
 * The stacks that explain the error findings: the stacked lines of their templates from the onset on, in the
 * incident's own parse runs, else in every run around it (`around`: under load or after a restart, the runs that
 * carried the first error lines may not be the incident's). Other errors' stacks stand in only for findings that
 * name no template: a service's everyday errors (a payment provider's refusals) must never explain a new one.
 */
export function stacksOf(
  input: Pick<LocateInput, 'events' | 'around'>,
  findings: readonly Finding[],
  templateIds: ReadonlySet<string>,
): TemplatedEvent[] {
  const since = Math.min(...findings.map((f) => f.since));
  const stacked = (events: readonly TemplatedEvent[]) =>
    events.filter((e) => e.stack.length > 0 && e.timestamp >= since);
  const own = stacked(input.events);
  if (templateIds.size === 0) return own.slice(0, 50);
  for (const events of [own, stacked(input.around ?? [])]) {
    const ofTemplates = events.filter((e) => templateIds.has(e.templateId));
    if (ofTemplates.length > 0) return ofTemplates.slice(0, 50);
  }
  return [];
}

export function locateErrors(input: LocateInput): LocatedIssue | null {
  const findings = input.findings.filter((f) => f.kind === 'error');
  if (findings.length === 0) return null;
  const templateIds = new Set(findings.flatMap((f) => f.templateIds));
  const stacks = stacksOf(input, findings, templateIds);
  const lines: ScoredLine[] = [];
  let refused = 0;
  let external = 0;
  let innermost: { path: string; line: number } | undefined;
  const seenStacks = new Set<string>();
  const mapFrames = frameMapper(
    input.code.files,
    input.layout,
    (p) => input.code.text(p),
    input.compilerOptions,
  );
  for (const e of stacks) {
    const key = e.stack.join('|');
    if (seenStacks.has(key)) continue;
    seenStacks.add(key);
    const mapped = mapFrames(e.stack);
    refused += mapped.refused;
    external += mapped.external;
    for (const f of mapped.frames) {
      innermost ??= { path: f.path, line: f.line };
      const weight = 1 / (1 + f.depth);
      lines.push({ path: f.path, line: f.line, score: weight, why: `stack frame ${f.depth} (${f.fn})` });
      const fn = input.code.enclosing(f.path, f.line);
      if (fn) lines.push(...spanLines(fn, 0.2 * weight, `in ${fn.name}, on the stack (frame ${f.depth})`));
    }
  }
  const viaTemplates: string[] = [];
  if (lines.length === 0) {
    for (const id of templateIds) {
      const t = templateOf(input, id);
      if (!t) continue;
      const [site] = input.code.sitesForTemplate(t);
      if (!site) continue;
      viaTemplates.push(t);
      lines.push(...siteLines(input.code, site, 0.6, `writes the error line "${t}"`));
    }
  }
  const ranked = weighWithSettings(lines, input);
  const top = ranked[0];
  const message = stacks[0]?.template ?? (viaTemplates[0] || findings[0]!.subject);
  const evidence: Evidence = {
    stacks: seenStacks.size,
    framesRefused: refused,
    framesExternal: external,
    errorTemplate: message,
  };
  return {
    kind: 'error',
    title: top ? `Error "${message}" raised at ${top.path}:${top.line}` : `Error "${message}"`,
    hypothesis: top
      ? `The error "${message}" is raised at ${top.path}:${top.line}${top.symbol ? ` in ${top.symbol}` : ''} (${top.why}).`
      : `The error "${message}" could not be traced to the repository (${refused} frame(s) refused, ${external} outside the service).`,
    findingIds: findings.map((f) => f.id),
    lines: ranked,
    evidence,
    ...(innermost ? { innermostFrame: innermost } : {}),
  };
}

// ---- performance --------------------------------------------------------------------------------------------------

/**
 * Performance: a finding is about a template's metric (`<templateId>:<metric>`): the log statement that writes the
 * template reports the step, and the code that runs for the step is its function since the previous log statement
 * plus what that code calls. When the slowed line is a request's and a step inside those requests accounts for
 * most of its rise (see innerStep.ts), that step's code comes first: the request handler runs for every request.
 */
export function locatePerformance(input: LocateInput): LocatedIssue | null {
  const findings = input.findings.filter((f) => f.kind === 'performance');
  if (findings.length === 0) return null;
  const lines: ScoredLine[] = [];
  const steps: string[] = [];
  const inner: string[] = [];
  const ownTemplates = new Set(findings.flatMap((f) => f.templateIds));
  for (const f of [...findings].sort((a, b) => b.magnitude - a.magnitude)) {
    // The subject is `<templateId>:<metric>`: the metric names the value the step's log line reports.
    const [subjectTemplate, metric] = f.subject.split(':');
    const templateId = f.templateIds[0] ?? subjectTemplate ?? '';
    const t = templateOf(input, templateId);
    if (!t) continue;
    const within = stepBehindSlowdown(input.around ?? input.events, templateId, f.since);
    const slow: Array<{ template: string; metric: string | undefined; share: number; why: string }> = [];
    if (within && !ownTemplates.has(within.templateId)) {
      const why = `inside "${t}": ${Math.round(within.riseMs)} ms more per request, of its ${Math.round(within.outerRiseMs)} ms rise`;
      slow.push({ template: within.template, metric, share: 1, why });
      inner.push(
        `"${within.template}" accounts for ${Math.round(within.riseMs)} of the ${Math.round(within.outerRiseMs)} ms the requests' "${t}" rose (${within.before} requests before, ${within.after} after)`,
      );
    }
    slow.push({ template: t, metric, share: slow.length > 0 ? 0.5 : 1, why: '' });
    for (const step of slow) {
      const [site] = input.code.sitesForTemplate(step.template);
      if (!site) continue;
      steps.push(step.template);
      const weight = step.share / steps.length;
      const label = `the slow step "${step.template}"${step.why ? ` (${step.why})` : ''}`;
      lines.push({ path: site.path, line: site.line, score: 0.3 * weight, why: `reports ${label}` });
      const region = input.code.regionBefore(site, step.metric);
      if (!region) continue;
      lines.push(...spanLines(region.lines, 0.6 * weight, `runs in ${label}`));
      region.callees.forEach((fn, i) => {
        lines.push(
          ...spanLines(
            fn,
            (0.4 * weight) / (1 + i * 0.25),
            `called in the slow step "${step.template}" (${fn.name})`,
          ),
        );
      });
    }
  }
  const ranked = weighWithSettings(lines, input);
  const top = ranked[0];
  return {
    kind: 'performance',
    title: steps[0] ? `Slower step "${steps[0]}"` : `Slower ${findings[0]!.subject}`,
    hypothesis: top
      ? `The step "${steps[0]}" got slower; the code it runs at ${top.path}:${top.line}${top.symbol ? ` (${top.symbol})` : ''} is the likeliest cause (${top.why}).`
      : `Latency of ${findings[0]!.subject} moved, but no log statement of the repository writes its template.`,
    findingIds: findings.map((f) => f.id),
    lines: ranked,
    evidence: {
      steps: steps.join(' | ') || null,
      findings: findings.length,
      within: inner.join('; ') || null,
    },
  };
}

// ---- behaviour ----------------------------------------------------------------------------------------------------

/**
 * Whether a behavioural finding only repeats one of the incident's error findings: a line never seen before
 * (`unseen-template`) that an error finding names too (a new error template, a new stack signature, a burst). That
 * line is the error's to explain: the error locator reads its stack, while the log statement that writes it is
 * mostly a catch-all handler, which names no cause. Blaming the commits that touched such a handler put a decoy
 * commit ("log the user agent on request completion lines") above the fault in a healing run.
 */
export function repeatsAnErrorFinding(f: Finding, incidentFindings: readonly Finding[]): boolean {
  if (f.kind !== 'behavioral' || f.rule !== 'unseen-template') return false;
  const lines = new Set([f.subject, ...f.templateIds]);
  return incidentFindings.some((e) => e.kind === 'error' && e.templateIds.some((t) => lines.has(t)));
}

/**
 * Behaviour: a step went missing, appeared or moved. Where the step's log statements are, the function around
 * them, and the functions that call it (where a call may have been dropped or moved). A value a line writes
 * changed (`unseen-values`, `changed-outcome`): the code that computes it before the line, and what that code calls.
 */
export function locateBehavior(input: LocateInput): LocatedIssue | null {
  const findings = input.findings.filter((f) => f.kind === 'behavioral');
  if (findings.length === 0) return null;
  const lines: ScoredLine[] = [];
  const named: string[] = [];
  for (const f of findings) {
    let sites = input.code.sitesForStep(f.subject);
    const t = templateOf(input, f.subject) ?? templateOf(input, f.templateIds[0] ?? '');
    if (sites.length === 0 && t) sites = input.code.sitesForTemplate(t).slice(0, 1);
    named.push(`${f.rule} ${f.subject}`);
    const parameter = valueParameter(f);
    if (parameter !== null && t && sites[0]) {
      // A value the line writes changed: the code that computes it, not the statement that writes it.
      lines.push(...siteLines(input.code, sites[0], 0.3, `writes the changed value (${f.rule})`));
      const region = input.code.regionBefore(sites[0], `$${parameter - 1}`);
      if (!region) continue;
      const label = `parameter ${parameter} of "${t}", whose values changed (${f.rule})`;
      lines.push(...spanLines(region.lines, 0.6, `computes ${label}`));
      region.callees.forEach((fn, i) => {
        lines.push(...spanLines(fn, 0.6 / (1 + i * 0.25), `called to compute ${label} (${fn.name})`));
      });
      continue;
    }
    for (const site of sites.slice(0, 5)) {
      lines.push(...siteLines(input.code, site, 0.8, `logs the step "${f.subject}" (${f.rule})`));
      const fn = site.fn ?? input.code.enclosing(site.path, site.line);
      if (!fn) continue;
      for (const caller of input.code.callers(fn).slice(0, 5))
        lines.push(...spanLines(caller, 0.3, `calls ${fn.name}, which logs "${f.subject}"`));
    }
  }
  const ranked = weighWithSettings(lines, input);
  const top = ranked[0];
  return {
    kind: 'behavioral',
    title: `Request flow changed: ${named.join(', ')}`,
    hypothesis: top
      ? `The flow changed (${named.join(', ')}); the step is driven from ${top.path}:${top.line}${top.symbol ? ` (${top.symbol})` : ''} (${top.why}).`
      : `The flow changed (${named.join(', ')}), but the steps could not be found in the code.`,
    findingIds: findings.map((f) => f.id),
    lines: ranked,
    evidence: { changes: named.join(' | ') },
  };
}

/** The parameter (from 1) whose values a value finding says changed; null for a finding about the flow. */
function valueParameter(f: Finding): number | null {
  if (f.rule !== 'unseen-values' && f.rule !== 'changed-outcome') return null;
  const p = f.evidence['parameter'];
  return typeof p === 'number' && Number.isInteger(p) && p >= 1 ? p : null;
}

// ---- coverage -----------------------------------------------------------------------------------------------------

/** Coverage gaps: the finding's subject is the hot code (a handler or `file:line`) production reaches untested. */
export function locateCoverage(input: LocateInput): LocatedIssue | null {
  const findings = input.findings.filter((f) => f.kind === 'coverage');
  if (findings.length === 0) return null;
  const lines: ScoredLine[] = [];
  for (const f of findings) {
    // hot-uncovered findings name the production file and line in their evidence, and as `file:line` subjects.
    const m = /^(.+?):(\d+)$/.exec(f.subject);
    const file = typeof f.evidence['productionFile'] === 'string' ? f.evidence['productionFile'] : m?.[1];
    const lineNo = typeof f.evidence['line'] === 'number' ? f.evidence['line'] : m ? Number(m[2]) : NaN;
    const path = file && [...input.code.files].find((p) => p === file || p.endsWith(`/${file}`));
    if (path && Number.isSafeInteger(lineNo) && lineNo > 0) {
      const line = lineNo;
      lines.push({ path, line, score: 1, why: `hot and not covered (${f.rule})` });
      const fn = input.code.enclosing(path, line);
      if (fn) lines.push(...spanLines(fn, 0.3, `in ${fn.name}, hot and not covered`));
    }
  }
  const ranked = weighChanges(lines, input.window);
  return {
    kind: 'coverage',
    title: `Untested hot code: ${findings.map((f) => f.subject).join(', ')}`,
    hypothesis: ranked[0]
      ? `Production runs ${ranked[0].path}:${ranked[0].line}, which no test covers: a fault there would reach users unseen.`
      : `Production runs code no test covers (${findings.map((f) => f.subject).join(', ')}), not found in the repository.`,
    findingIds: findings.map((f) => f.id),
    lines: ranked,
    evidence: { gaps: findings.length },
  };
}
