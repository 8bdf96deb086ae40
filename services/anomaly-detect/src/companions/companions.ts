import type { Finding } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { binomialTail } from '../performance/aggregates.js';
import { poissonUpper } from '../values/rateWindows.js';

/**
 * Companion lines: log lines that (almost) always come together in a session. Whenever a session logs A it also
 * logs B ("charged ..." and "confirmation email queued ..."); when, after a release, many sessions log A without B,
 * a step is being skipped for some of them. The flow model cannot see this when skipping B is normal for other
 * sessions (orders paid another way, failed payments): no transition is new, only how often B accompanies A fell.
 * This is invariant mining on logs (Lou et al., USENIX ATC 2010), as a test of a share instead of a learned rule.
 *
 * Per service, per minute of event time (sessions are counted in the minute they end): how many sessions logged
 * each template, and each pair of templates. A pair is judged when at least `minBaseline` sessions with A came
 * before the span tested and B accompanied A in nearly all of them (missing in at most `maxMissingShare`): the share
 * of the last one to `poolWindows` minutes' A sessions lacking B is tested (binomial upper tail) against the upper
 * 95 % bound of the share missing before, corrected for every pair and span tried. Twenty sessions are enough when
 * B never failed to follow A and most of A's sessions now lack it: orders paid with a rare voucher whose template
 * names its code. Per missing template, the most significant pair is reported; its pairs are then quiet for
 * `quietMs`. Windows fold into the history once they leave the pool, the history decaying by half every
 * `halfLifeWindows`, so a change made on purpose becomes normal.
 */
export interface CompanionOptions {
  windowMs: number;
  /** A window is judged once no session can end in it any more: this long after its end (sessions' timeout). */
  settleMs: number;
  /** The most recent windows a test pools (1..poolWindows are tried). */
  poolWindows: number;
  /** Sessions with A before the span (history and earlier pooled windows) for the pair to be judged. */
  minBaseline: number;
  /** A pair is an invariant when B was missing from at most this share of A's sessions. */
  maxMissingShare: number;
  /** Sessions lacking B needed to report (a handful of sessions is never a finding on its own). */
  minMissing: number;
  /** Family-wise bound per window and service: a pair is reported when p × tests < alpha. */
  alpha: number;
  quietMs: number;
  halfLifeWindows: number;
  /** Distinct templates a session contributes (its first ones), bounding the pairs one session adds. */
  maxTemplatesPerSession: number;
  /** Pairs kept in all (history and open windows); a new pair is ignored beyond it. */
  maxPairs: number;
}

export const defaultCompanionOptions: CompanionOptions = {
  windowMs: 60_000,
  settleMs: 30_000,
  poolWindows: 5,
  minBaseline: 20,
  maxMissingShare: 0.05,
  minMissing: 5,
  alpha: 1e-6,
  quietMs: 30 * 60_000,
  halfLifeWindows: 60,
  maxTemplatesPerSession: 48,
  maxPairs: 200_000,
};

/** Counts of one window or of the history: sessions with A, and sessions with A and B (key `A\u0000B`). */
interface Counts {
  sessions: Map<string, number>;
  pairs: Map<string, number>;
}

interface Window extends Counts {
  start: number;
  /** Judged already: in the pool, waiting to fold into the history. */
  judged: boolean;
}

interface ServiceState {
  service: string;
  history: Counts;
  /** Open windows, and closed ones still in the pool (oldest first). */
  windows: Window[];
  /** Missing template -> end of its quiet time. */
  quietUntil: Map<string, number>;
  /** Template id -> text, for explanations. */
  names: Map<string, string>;
}

/** Plain-JSON state. */
export interface CompanionSnapshot {
  version: 1;
  services: Array<{
    service: string;
    history: SnapshotCounts;
    windows: Array<SnapshotCounts & { start: number; judged: boolean }>;
    quietUntil: Array<[string, number]>;
    names: Array<[string, string]>;
  }>;
}

interface SnapshotCounts {
  sessions: Array<[string, number]>;
  pairs: Array<[string, number]>;
}

/** What a session contributes: its service, when it ended, and its templates (id and text). */
export interface CompanionSession {
  service: string;
  end: number;
  templates: ReadonlyArray<{ id: string; text: string }>;
}

const SEP = '\u0000';
/** Template texts remembered per service for explanations. */
const MAX_NAMES = 5_000;

export class CompanionDetector {
  private readonly options: CompanionOptions;
  private readonly services = new Map<string, ServiceState>();
  private pairCount = 0;

  constructor(options: Partial<CompanionOptions> = {}) {
    this.options = { ...defaultCompanionOptions, ...options };
  }

  snapshot(): CompanionSnapshot {
    const counts = (c: Counts): SnapshotCounts => ({ sessions: [...c.sessions], pairs: [...c.pairs] });
    return {
      version: 1,
      services: [...this.services.values()].map((s) => ({
        service: s.service,
        history: counts(s.history),
        windows: s.windows.map((w) => ({ start: w.start, judged: w.judged, ...counts(w) })),
        quietUntil: [...s.quietUntil],
        names: [...s.names],
      })),
    };
  }

  static restore(snapshot: CompanionSnapshot, options: Partial<CompanionOptions> = {}): CompanionDetector {
    if (snapshot.version !== 1) throw new Error(`unsupported companion state version ${snapshot.version}`);
    const d = new CompanionDetector(options);
    const counts = (c: SnapshotCounts): Counts => ({
      sessions: new Map(c.sessions),
      pairs: new Map(c.pairs),
    });
    for (const s of snapshot.services) {
      const state: ServiceState = {
        service: s.service,
        history: counts(s.history),
        windows: s.windows.map((w) => ({ start: w.start, judged: w.judged, ...counts(w) })),
        quietUntil: new Map(s.quietUntil),
        names: new Map(s.names),
      };
      d.services.set(s.service, state);
      d.pairCount += state.history.pairs.size + state.windows.reduce((n, w) => n + w.pairs.size, 0);
    }
    return d;
  }

  /** Counts a completed session in the window it ended in. */
  observe(session: CompanionSession): void {
    const { windowMs, maxTemplatesPerSession, maxPairs } = this.options;
    let s = this.services.get(session.service);
    if (!s) {
      s = {
        service: session.service,
        history: { sessions: new Map(), pairs: new Map() },
        windows: [],
        quietUntil: new Map(),
        names: new Map(),
      };
      this.services.set(session.service, s);
    }
    const ids: string[] = [];
    for (const t of session.templates) {
      if (ids.length >= maxTemplatesPerSession) break;
      if (ids.includes(t.id)) continue;
      ids.push(t.id);
      if (!s.names.has(t.id) && s.names.size < MAX_NAMES) s.names.set(t.id, t.text.slice(0, 200));
    }
    const start = Math.floor(session.end / windowMs) * windowMs;
    let w = s.windows.find((x) => x.start === start);
    if (!w) {
      // A very late session whose window was folded into the history, or would sit among windows already judged,
      // is not counted: judged windows stay a prefix of the pool, and nothing is counted twice or out of place.
      const lastJudged = s.windows.findLast((x) => x.judged);
      if (s.windows.length > 0 && (start < s.windows[0]!.start || (lastJudged && start < lastJudged.start)))
        return;
      w = { start, judged: false, sessions: new Map(), pairs: new Map() };
      s.windows.push(w);
      s.windows.sort((a, b) => a.start - b.start);
    }
    for (const a of ids) {
      w.sessions.set(a, (w.sessions.get(a) ?? 0) + 1);
      for (const b of ids) {
        if (a === b) continue;
        const key = a + SEP + b;
        const n = w.pairs.get(key);
        if (n !== undefined) w.pairs.set(key, n + 1);
        else if (this.pairCount < maxPairs) {
          w.pairs.set(key, 1);
          this.pairCount++;
        }
      }
    }
  }

  /** Judges the windows no session can end in any more, each service by its own clock (newest event time). */
  advance(clockOf: (service: string) => number): Finding[] {
    const findings: Finding[] = [];
    for (const s of this.services.values()) findings.push(...this.closeWindows(s, clockOf(s.service)));
    return findings;
  }

  private closeWindows(s: ServiceState, now: number): Finding[] {
    const { windowMs, settleMs, poolWindows } = this.options;
    const findings: Finding[] = [];
    // Called for every event: no allocation until a window is due.
    for (;;) {
      // Windows judged so far are a prefix of the pool (see observe); the first not yet judged is the next to close.
      const i = s.windows.findIndex((w) => !w.judged);
      const next = s.windows[i];
      if (!next || next.start + windowMs + settleMs > now) break;
      next.judged = true;
      findings.push(
        ...this.judge(s, s.windows.slice(Math.max(0, i + 1 - poolWindows), i + 1), next.start + windowMs),
      );
      for (let judged = i + 1; judged > poolWindows; judged--) this.fold(s);
    }
    return findings;
  }

  /** Folds the oldest pooled window into the decayed history. */
  private fold(s: ServiceState): void {
    const w = s.windows.shift()!;
    const decay = Math.pow(0.5, 1 / this.options.halfLifeWindows);
    const h = s.history;
    for (const map of [h.sessions, h.pairs]) {
      for (const [key, n] of map) {
        const left = n * decay;
        if (left < 0.5) {
          map.delete(key);
          if (map === h.pairs) this.pairCount--;
        } else map.set(key, left);
      }
    }
    for (const [key, n] of w.sessions) h.sessions.set(key, (h.sessions.get(key) ?? 0) + n);
    for (const [key, n] of w.pairs) {
      const before = h.pairs.get(key);
      h.pairs.set(key, (before ?? 0) + n);
      // The window's pair moved into the history: counted once either way.
      if (before !== undefined) this.pairCount--;
    }
  }

  /**
   * Tests every invariant pair over the last 1..pool windows ending at `at`, each span against the history and the
   * pooled windows before it (a fresh detector needs a few minutes, not the pool's length plus the history's).
   */
  private judge(s: ServiceState, pool: readonly Window[], at: number): Finding[] {
    const o = this.options;
    const keys = new Set(s.history.pairs.keys());
    for (const w of pool) for (const key of w.pairs.keys()) keys.add(key);
    const tried: Array<Omit<Judged, 'p' | 'tests' | 'rate'>> = [];
    for (const key of keys) {
      const cut = key.indexOf(SEP);
      const a = key.slice(0, cut);
      const b = key.slice(cut + 1);
      if ((s.quietUntil.get(b) ?? -Infinity) > at) continue;
      // Sessions with A, and with A and B: in the history plus pool[0, i) (before), and in pool[i, end) (span).
      let baseline = s.history.sessions.get(a) ?? 0;
      let baselineTogether = s.history.pairs.get(key) ?? 0;
      let withA = 0;
      let together = 0;
      for (const w of pool) {
        withA += w.sessions.get(a) ?? 0;
        together += w.pairs.get(key) ?? 0;
      }
      for (let i = 0; i < pool.length; i++) {
        const missingBefore = Math.max(0, baseline - baselineTogether);
        const missing = withA - together;
        if (
          baseline >= o.minBaseline &&
          missingBefore <= o.maxMissingShare * baseline &&
          missing >= o.minMissing
        )
          tried.push({ a, b, missingBefore, baseline, withA, missing, since: pool[i]!.start });
        const w = pool[i]!;
        const n = w.sessions.get(a) ?? 0;
        const k = w.pairs.get(key) ?? 0;
        baseline += n;
        baselineTogether += k;
        withA -= n;
        together -= k;
      }
    }
    const tests = tried.length;
    const best = new Map<string, Judged>();
    for (const t of tried) {
      // A 95 % bound sits below the true share of one pair in twenty; on a few dozen sessions it is still far above
      // any share that makes most sessions lack B, and a tighter one (99.9 %, tried) missed the corpus's vouchers.
      const rate = Math.min(1, poissonUpper(t.missingBefore) / t.baseline);
      if (t.missing <= rate * t.withA) continue;
      const p = binomialTail(t.missing, t.withA, rate, 'upper');
      if (p * tests >= o.alpha) continue;
      const prior = best.get(t.b);
      if (!prior || p < prior.p) best.set(t.b, { ...t, p, rate, tests });
    }
    const findings: Finding[] = [];
    for (const j of best.values()) {
      s.quietUntil.set(j.b, at + o.quietMs);
      findings.push(this.finding(s, j, at));
    }
    return findings;
  }

  private finding(s: ServiceState, j: Judged, at: number): Finding {
    const name = (id: string) => s.names.get(id) ?? id;
    const span = `${clock(j.since)}-${clock(at)}`;
    const share = (x: number) => `${(x * 100).toFixed(1)}%`;
    return {
      id: findingId('behavioral', 'missing-companion', s.service, j.b, j.since, j.a),
      kind: 'behavioral',
      rule: 'missing-companion',
      service: s.service,
      subject: j.b,
      templateIds: [j.b, j.a],
      since: j.since,
      at,
      magnitude: Math.min(50, -Math.log10(Math.max(j.p, 1e-300))),
      explanation:
        `"${name(j.b)}" (${j.b}) of ${s.service} was missing from ${j.missing} of the ${j.withA} sessions that ` +
        `logged "${name(j.a)}" (${j.a}) in ${span} UTC, against ${share(j.missingBefore / j.baseline)} of ` +
        `${Math.round(j.baseline)} such sessions before (at most ${share(j.rate)} expected, p ${j.p.toExponential(1)}` +
        ` over ${j.tests} tests): a step skipped for some of them.`,
      evidence: {
        template: name(j.b),
        companionOf: j.a,
        companionTemplate: name(j.a),
        sessions: j.withA,
        missing: j.missing,
        missingBefore: Number((j.missingBefore / j.baseline).toFixed(4)),
        baselineSessions: Math.round(j.baseline),
        expectedRate: Number(j.rate.toFixed(4)),
        p: j.p,
        tests: j.tests,
      },
    };
  }
}

interface Judged {
  a: string;
  b: string;
  missingBefore: number;
  baseline: number;
  p: number;
  withA: number;
  missing: number;
  since: number;
  rate: number;
  tests: number;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}
