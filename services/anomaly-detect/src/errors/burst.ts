import type { Finding, WindowAggregate } from '@self-healing/schemas';
import { findingId } from '../incidents/stable-id.js';
import { mad, median, poissonUpperTail } from './stats.js';

export interface ErrorBurstOptions {
  /** Windows kept as the baseline (only windows that were not part of a burst). */
  baselineWindows: number;
  /** No test before this many baseline windows exist. */
  minBaselineWindows: number;
  /** Poisson tail probability below which the error count is significant. */
  alpha: number;
  /** Robust z-score of the window's error rate against the baseline rates that must also be exceeded. */
  minRobustZ: number;
  /** At least this many errors in the window, and at least this ratio to the expected count. */
  minErrors: number;
  minRatio: number;
}

export const defaultErrorBurstOptions: ErrorBurstOptions = {
  baselineWindows: 60,
  minBaselineWindows: 5,
  alpha: 1e-4,
  minRobustZ: 4,
  minErrors: 5,
  minRatio: 2,
};

interface WindowCount {
  start: number;
  windowMs: number;
  total: number;
  errors: number;
  errorTemplates: Map<string, number>;
}

interface ServiceState {
  baseline: Array<{ total: number; errors: number }>;
  burst: {
    since: number;
    windows: number;
    errors: number;
    total: number;
    templates: Map<string, number>;
  } | null;
  lastWindowStart: number;
}

/** Plain-JSON state of an `ErrorBurstDetector`, to survive a restart. */
export interface ErrorBurstSnapshot {
  services: Array<{
    service: string;
    baseline: Array<{ total: number; errors: number }>;
    burst: {
      since: number;
      windows: number;
      errors: number;
      total: number;
      templates: Array<[string, number]>;
    } | null;
    lastWindowStart: number | null;
  }>;
}

/**
 * Bursts of the error rate per service, judged per window against the service's recent baseline. A window is a
 * burst when BOTH tests agree: (1) its error count is improbable under a Poisson with the pooled baseline rate
 * (errors/events over the baseline windows), and (2) its error rate is a robust outlier (median/MAD of the
 * baseline windows' rates, with the binomial standard error as a floor). The first alone fires on any
 * overdispersed (noisy) baseline; the second alone fires on tiny windows. Consecutive burst windows keep one
 * finding id (same `since`), so downstream sees one burst growing, not many.
 */
export class ErrorBurstDetector {
  private readonly options: ErrorBurstOptions;
  private readonly services = new Map<string, ServiceState>();

  constructor(options: Partial<ErrorBurstOptions> = {}) {
    this.options = { ...defaultErrorBurstOptions, ...options };
  }

  snapshot(): ErrorBurstSnapshot {
    return {
      services: [...this.services].map(([service, st]) => ({
        service,
        baseline: st.baseline.map((b) => ({ ...b })),
        burst: st.burst ? { ...st.burst, templates: [...st.burst.templates] } : null,
        lastWindowStart: Number.isFinite(st.lastWindowStart) ? st.lastWindowStart : null,
      })),
    };
  }

  static restore(snapshot: ErrorBurstSnapshot, options: Partial<ErrorBurstOptions> = {}): ErrorBurstDetector {
    const detector = new ErrorBurstDetector(options);
    for (const st of snapshot.services) {
      detector.services.set(st.service, {
        baseline: st.baseline.map((b) => ({ ...b })),
        burst: st.burst ? { ...st.burst, templates: new Map(st.burst.templates) } : null,
        lastWindowStart: st.lastWindowStart ?? Number.NEGATIVE_INFINITY,
      });
    }
    return detector;
  }

  /**
   * Feeds the aggregates of closed windows (all templates of a window together, windows in time order).
   * Windows older than the last one judged for a service are ignored (a redelivery judged twice would count twice).
   */
  observe(aggregates: readonly WindowAggregate[]): Finding[] {
    const byWindow = new Map<string, { service: string; window: WindowCount }>();
    for (const a of aggregates) {
      const key = `${a.service}\u0000${a.windowStart}`;
      let entry = byWindow.get(key);
      if (!entry) {
        entry = {
          service: a.service,
          window: {
            start: a.windowStart,
            windowMs: a.windowMs,
            total: 0,
            errors: 0,
            errorTemplates: new Map(),
          },
        };
        byWindow.set(key, entry);
      }
      entry.window.total += a.count;
      entry.window.errors += a.errorCount;
      if (a.errorCount > 0) entry.window.errorTemplates.set(a.templateId, a.errorCount);
    }
    const ordered = [...byWindow.values()].sort(
      (x, y) => x.window.start - y.window.start || x.service.localeCompare(y.service),
    );
    const findings: Finding[] = [];
    for (const { service, window } of ordered) {
      const finding = this.judge(service, window);
      if (finding) findings.push(finding);
    }
    return findings;
  }

  private judge(service: string, w: WindowCount): Finding | null {
    let state = this.services.get(service);
    if (!state) {
      state = { baseline: [], burst: null, lastWindowStart: Number.NEGATIVE_INFINITY };
      this.services.set(service, state);
    }
    if (w.start <= state.lastWindowStart || w.total === 0) return null;
    state.lastWindowStart = w.start;
    const test = this.test(state, w);
    if (!test.anomalous) {
      state.burst = null;
      state.baseline.push({ total: w.total, errors: w.errors });
      if (state.baseline.length > this.options.baselineWindows) state.baseline.shift();
      return null;
    }
    if (!state.burst) {
      state.burst = { since: w.start, windows: 0, errors: 0, total: 0, templates: new Map() };
    }
    const burst = state.burst;
    burst.windows++;
    burst.errors += w.errors;
    burst.total += w.total;
    for (const [t, c] of w.errorTemplates) burst.templates.set(t, (burst.templates.get(t) ?? 0) + c);
    const templateIds = [...burst.templates]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 5)
      .map(([t]) => t);
    const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
    return {
      id: findingId('error', 'error-burst', service, 'error-rate', burst.since),
      kind: 'error',
      rule: 'error-burst',
      service,
      subject: 'error-rate',
      templateIds,
      since: burst.since,
      at: w.start + w.windowMs,
      magnitude: test.z,
      explanation:
        `Error rate of ${service} was ${pct(w.errors / w.total)} (${w.errors} of ${w.total}) in the window starting ` +
        `${new Date(w.start).toISOString()} against a baseline of ${pct(test.baselineRate)} ` +
        `(Poisson p=${test.p.toExponential(2)}, robust z=${test.z.toFixed(1)}); burst since ` +
        `${new Date(burst.since).toISOString()} (${burst.windows} window(s), ${burst.errors} errors).`,
      evidence: {
        windowStart: w.start,
        windowMs: w.windowMs,
        errors: w.errors,
        total: w.total,
        rate: w.errors / w.total,
        baselineRate: test.baselineRate,
        baselineMedianRate: test.medianRate,
        pValue: test.p,
        robustZ: test.z,
        burstWindows: burst.windows,
        burstErrors: burst.errors,
      },
    };
  }

  private test(
    state: ServiceState,
    w: WindowCount,
  ): { anomalous: boolean; p: number; z: number; baselineRate: number; medianRate: number } {
    const base = state.baseline;
    const totalEvents = base.reduce((s, b) => s + b.total, 0);
    const totalErrors = base.reduce((s, b) => s + b.errors, 0);
    // Half an error of prior keeps a spotless baseline from making the first error infinitely surprising.
    const baselineRate = (totalErrors + 0.5) / (totalEvents + 1);
    const rates = base.map((b) => b.errors / b.total);
    const medianRate = median(rates);
    const expected = w.total * baselineRate;
    const p = poissonUpperTail(w.errors, expected);
    const binomialSe = Math.sqrt((baselineRate * (1 - baselineRate)) / w.total);
    const spread = Math.max(mad(rates), binomialSe);
    const z = base.length > 0 ? (w.errors / w.total - medianRate) / spread : 0;
    const anomalous =
      base.length >= this.options.minBaselineWindows &&
      w.errors >= this.options.minErrors &&
      w.errors >= this.options.minRatio * expected &&
      p < this.options.alpha &&
      z >= this.options.minRobustZ;
    return { anomalous, p, z, baselineRate, medianRate };
  }
}
