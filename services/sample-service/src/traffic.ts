import { Prng } from './prng.js';

export type FaultKind =
  'skipped-step' | 'reordered-step' | 'new-exception' | 'error-burst' | 'latency-regression';

export const faultKinds: readonly FaultKind[] = [
  'skipped-step',
  'reordered-step',
  'new-exception',
  'error-burst',
  'latency-regression',
];

/** A fault to inject: requests starting in [start, end) are affected with probability `share`. */
export interface FaultSpec {
  kind: FaultKind;
  start: number;
  end: number;
  /** Share of requests in the interval that are affected (default per kind, see `defaultShare`). */
  share?: number;
  /** The handler concerned (default per kind). For `reordered-step`, the handler moved one step earlier. */
  step?: Handler;
  /** `latency-regression`: factor applied to the handler's duration (default 5). */
  factor?: number;
}

/** Ground truth for one injected fault. */
export interface FaultLabel {
  kind: FaultKind;
  start: number;
  end: number;
  step: Handler;
  /**
   * The handlers whose log lines show the fault in a changed request: the step itself, and the request's completion
   * line when the fault changes its status or its duration (`POST /api/checkout completed ... took N ms` times the
   * whole request, so a slow step makes it slow too). A detector pointing at another handler's template is wrong.
   */
  handlers: Handler[];
  /** Trace ids of the requests the fault actually changed. */
  traceIds: string[];
  description: string;
}

export interface TrafficOptions {
  seed: number;
  /** Epoch ms of the first request; the output depends on it and on nothing else of the clock. */
  start: number;
  durationMs: number;
  ratePerSecond: number;
  faults?: FaultSpec[];
}

export interface Traffic {
  /** pino-style JSON lines, in time order. */
  lines: string[];
  labels: FaultLabel[];
}

/** The handlers of one checkout request, in order. `applyDiscount` runs only for requests with a coupon. */
export const checkoutFlow = [
  'receiveRequest',
  'authenticate',
  'validateCart',
  'reserveInventory',
  'applyDiscount',
  'chargePayment',
  'createShipment',
  'sendConfirmation',
  'respond',
] as const;
export type Handler = (typeof checkoutFlow)[number] | 'rollbackInventory';

/** The flows as declared sequences (`{ id, steps }`, `?` = optional): what a behavioural model may be given. */
export const declaredSequences = [
  {
    id: 'checkout',
    steps: [
      'receiveRequest',
      'authenticate',
      'validateCart',
      'reserveInventory',
      'applyDiscount?',
      'chargePayment',
      'createShipment',
      'sendConfirmation',
      'respond',
    ],
  },
  {
    id: 'checkout-payment-failed',
    steps: [
      'receiveRequest',
      'authenticate',
      'validateCart',
      'reserveInventory',
      'applyDiscount?',
      'chargePayment',
      'rollbackInventory',
      'respond',
    ],
  },
];

export const defaultShare: Record<FaultKind, number> = {
  'skipped-step': 0.3,
  'reordered-step': 0.3,
  'new-exception': 0.2,
  'error-burst': 0.4,
  'latency-regression': 1,
};

const defaultStep: Record<FaultKind, Handler> = {
  'skipped-step': 'createShipment',
  'reordered-step': 'chargePayment',
  'new-exception': 'createShipment',
  'error-burst': 'chargePayment',
  'latency-regression': 'chargePayment',
};

/** Median duration per handler, ms. */
const baseDuration: Record<Handler, number> = {
  receiveRequest: 1,
  authenticate: 4,
  validateCart: 12,
  reserveInventory: 35,
  applyDiscount: 3,
  chargePayment: 180,
  createShipment: 60,
  sendConfirmation: 8,
  respond: 0,
  rollbackInventory: 20,
};

/** Normal (not injected) behaviour rates. */
const NORMAL = {
  couponShare: 0.3,
  paymentTimeout: 0.01,
  paymentRetryWarning: 0.02,
  lowStockWarning: 0.02,
  discontinuedWarning: 0.03,
  healthEveryMs: 10_000,
  cacheEveryMs: 30_000,
};

const SERVICE = 'checkout';
const HOSTS = ['checkout-7f9c-1', 'checkout-7f9c-2'];
const PIDS = [4242, 5151];

interface Line {
  time: number;
  seq: number;
  text: string;
}

/** What happens to one request: decided up front so the flow below is a plain walk. */
interface RequestPlan {
  skip: Handler | null;
  moveEarlier: Handler | null;
  exceptionIn: Handler | null;
  paymentTimeout: boolean;
  slow: Map<Handler, number>;
  faults: Set<FaultLabel>;
}

/**
 * Generates the checkout service's logs for a time span: Poisson request arrivals, one log line per handler
 * (`... took N ms`), normal warnings and a small normal rate of payment timeouts, background lines without a
 * request id, and the injected faults with their ground truth. Pure: the same options give the same output.
 */
export function generateTraffic(options: TrafficOptions): Traffic {
  const rng = new Prng(options.seed);
  const faults = (options.faults ?? []).map((spec) => ({
    spec,
    label: {
      kind: spec.kind,
      start: spec.start,
      end: spec.end,
      step: spec.step ?? defaultStep[spec.kind],
      handlers: handlersShowing(spec),
      traceIds: [] as string[],
      description: describe(spec),
    } satisfies FaultLabel,
  }));
  const lines: Line[] = [];
  let seq = 0;
  const emit = (time: number, record: Record<string, unknown>): void => {
    lines.push({ time, seq: seq++, text: JSON.stringify(record) });
  };

  const end = options.start + options.durationMs;
  for (let t = options.start; t < end; t += NORMAL.healthEveryMs) {
    const host = rng.int(0, 1);
    emit(t, base(30, t, host, { handler: 'healthCheck', msg: `GET /healthz 200 took ${rng.int(0, 2)} ms` }));
  }
  for (let t = options.start + 5_000; t < end; t += NORMAL.cacheEveryMs) {
    const host = rng.int(0, 1);
    emit(
      t,
      base(30, t, host, {
        handler: 'catalogCache',
        msg: `catalog cache refreshed entries=${rng.int(1200, 1300)} took ${rng.int(30, 60)} ms`,
      }),
    );
  }

  let n = 0;
  for (
    let t = options.start + rng.exponential(options.ratePerSecond / 1000);
    t < end;
    t += rng.exponential(options.ratePerSecond / 1000)
  ) {
    n++;
    const at = Math.floor(t);
    const plan: RequestPlan = {
      skip: null,
      moveEarlier: null,
      exceptionIn: null,
      paymentTimeout: rng.chance(NORMAL.paymentTimeout),
      slow: new Map(),
      faults: new Set(),
    };
    for (const { spec, label } of faults) {
      if (at < spec.start || at >= spec.end || !rng.chance(spec.share ?? defaultShare[spec.kind])) continue;
      plan.faults.add(label);
      if (spec.kind === 'skipped-step') plan.skip = label.step;
      if (spec.kind === 'reordered-step') plan.moveEarlier = label.step;
      if (spec.kind === 'new-exception') plan.exceptionIn = label.step;
      if (spec.kind === 'error-burst') plan.paymentTimeout = true;
      if (spec.kind === 'latency-regression') plan.slow.set(label.step, spec.factor ?? 5);
    }
    const traceId = rng.hex(32);
    const changed = request(rng, plan, at, `req-${String(n).padStart(6, '0')}`, traceId, emit);
    for (const label of changed) label.traceIds.push(traceId);
  }

  lines.sort((a, b) => a.time - b.time || a.seq - b.seq);
  return { lines: lines.map((l) => l.text), labels: faults.map((f) => f.label) };
}

function base(
  level: number,
  time: number,
  host: number,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  return { level, time, pid: PIDS[host], hostname: HOSTS[host], name: SERVICE, ...fields };
}

function handlersShowing(spec: FaultSpec): Handler[] {
  const step = spec.step ?? defaultStep[spec.kind];
  switch (spec.kind) {
    case 'skipped-step':
    case 'reordered-step':
      return [step];
    case 'new-exception':
    case 'latency-regression':
      return [step, 'respond'];
    case 'error-burst':
      return ['chargePayment', 'rollbackInventory', 'respond'];
  }
}

function describe(spec: FaultSpec): string {
  const step = spec.step ?? defaultStep[spec.kind];
  const share = `${Math.round((spec.share ?? defaultShare[spec.kind]) * 100)}% of requests`;
  switch (spec.kind) {
    case 'skipped-step':
      return `${step} is skipped in ${share}; the request still answers 201`;
    case 'reordered-step':
      return `${step} runs one step earlier than declared in ${share}`;
    case 'new-exception':
      return `${step} throws a TypeError never seen before in ${share}; the request answers 500`;
    case 'error-burst':
      return `payment gateway timeouts (a known error) hit ${share}; the request rolls back and answers 502`;
    case 'latency-regression':
      return `${step} is ${spec.factor ?? 5}x slower in ${share}`;
  }
}

/** Emits one request's lines; returns the fault labels whose effect actually showed in it. */
function request(
  rng: Prng,
  plan: RequestPlan,
  start: number,
  reqId: string,
  traceId: string,
  emit: (time: number, record: Record<string, unknown>) => void,
): Set<FaultLabel> {
  const host = rng.int(0, 1);
  const user = `u-${rng.int(1000, 9999)}`;
  const items = rng.int(1, 6);
  const total = (items * (5 + rng.next() * 40)).toFixed(2);
  const coupon = rng.chance(NORMAL.couponShare);
  const affected = new Set<FaultLabel>();
  const mark = (kind: FaultKind): void => {
    for (const label of plan.faults) if (label.kind === kind) affected.add(label);
  };

  let steps: Handler[] = checkoutFlow.filter((h) => h !== 'applyDiscount' || coupon);
  // Flow changes are only visible in requests that run to the end; a failed request hides them.
  const visibleIfCompleted: FaultKind[] = [];
  if (plan.skip && steps.includes(plan.skip)) {
    steps = steps.filter((h) => h !== plan.skip);
    visibleIfCompleted.push('skipped-step');
  }
  if (plan.moveEarlier) {
    const i = steps.indexOf(plan.moveEarlier);
    if (i > 1) {
      [steps[i - 1], steps[i]] = [steps[i]!, steps[i - 1]!];
      visibleIfCompleted.push('reordered-step');
    }
  }
  const timed = new Set<Handler>();

  let t = start;
  let status = 201;
  const log = (level: number, handler: Handler, msg: string, extra: Record<string, unknown> = {}): void => {
    if (msg.includes(' took ')) timed.add(handler);
    emit(t, base(level, t, host, { reqId, traceId, handler, msg, ...extra }));
  };
  const duration = (h: Handler): number => {
    const factor = plan.slow.get(h) ?? 1;
    return Math.max(0, Math.round(baseDuration[h] * Math.exp(0.35 * rng.normal()) * factor));
  };

  for (const handler of steps) {
    if (handler === 'respond') break;
    const took = duration(handler);
    t += took + rng.int(0, 2);
    switch (handler) {
      case 'receiveRequest':
        log(30, handler, `POST /api/checkout received user=${user} items=${items}`);
        break;
      case 'authenticate':
        log(30, handler, `user ${user} authenticated via session took ${took} ms`);
        break;
      case 'validateCart':
        if (rng.chance(NORMAL.discontinuedWarning)) {
          log(40, handler, `cart contains discontinued sku=SKU-${rng.int(1000, 9999)}, ignoring it`);
        }
        log(30, handler, `cart validated items=${items} total=${total} took ${took} ms`);
        break;
      case 'reserveInventory':
        if (rng.chance(NORMAL.lowStockWarning)) {
          log(40, handler, `inventory low sku=SKU-${rng.int(1000, 9999)} remaining=${rng.int(1, 3)}`);
        }
        log(30, handler, `reserved ${items} items in warehouse wh-${rng.int(1, 3)} took ${took} ms`);
        break;
      case 'applyDiscount':
        log(
          30,
          handler,
          `applied coupon SAVE${rng.pick([5, 10, 15])} discount=${(rng.next() * 10).toFixed(2)} took ${took} ms`,
        );
        break;
      case 'chargePayment':
        if (plan.paymentTimeout) {
          mark('error-burst');
          t += 3000;
          log(50, handler, `payment gateway timeout after 3000 ms`, {
            err: {
              type: 'GatewayTimeoutError',
              message: 'payment gateway timeout after 3000 ms',
              stack: [
                'GatewayTimeoutError: payment gateway timeout after 3000 ms',
                '    at PaymentClient.charge (/srv/checkout/dist/payments/client.js:57:15)',
                '    at chargePayment (/srv/checkout/dist/handlers/charge-payment.js:21:30)',
                '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
              ].join('\n'),
            },
          });
          const rollback = duration('rollbackInventory');
          t += rollback;
          log(
            30,
            'rollbackInventory',
            `released ${items} items in warehouse wh-${rng.int(1, 3)} took ${rollback} ms`,
          );
          status = 502;
        } else {
          if (rng.chance(NORMAL.paymentRetryWarning)) {
            log(40, handler, `payment gateway slow, retrying attempt=1`);
          }
          log(
            30,
            handler,
            `charged ${total} EUR to card ****${rng.int(1000, 9999)} auth=${rng.hex(6).toUpperCase()} took ${took} ms`,
          );
        }
        break;
      case 'createShipment':
        if (plan.exceptionIn === 'createShipment') {
          mark('new-exception');
          log(
            50,
            handler,
            `unhandled error in createShipment: Cannot read properties of undefined (reading 'postalCode')`,
            {
              err: {
                type: 'TypeError',
                message: "Cannot read properties of undefined (reading 'postalCode')",
                stack: [
                  "TypeError: Cannot read properties of undefined (reading 'postalCode')",
                  '    at formatAddress (/srv/checkout/dist/shipping/address.js:42:31)',
                  '    at ShipmentService.create (/srv/checkout/dist/shipping/service.js:88:22)',
                  '    at createShipment (/srv/checkout/dist/handlers/create-shipment.js:17:9)',
                  '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
                ].join('\n'),
              },
            },
          );
          status = 500;
        } else {
          log(
            30,
            handler,
            `shipment s-${rng.int(10000, 99999)} created carrier=${rng.pick(['dhl', 'ups', 'dpd'])} took ${took} ms`,
          );
        }
        break;
      case 'sendConfirmation':
        log(30, handler, `confirmation email queued for ${user} took ${took} ms`);
        break;
      default:
        break;
    }
    if (status !== 201) break;
  }
  t += rng.int(0, 2);
  log(
    status >= 500 ? 40 : 30,
    'respond',
    `POST /api/checkout completed status=${status} took ${t - start} ms`,
  );
  if (status === 201) visibleIfCompleted.forEach(mark);
  if ([...plan.slow.keys()].some((h) => timed.has(h))) mark('latency-regression');
  return affected;
}

/**
 * Places the given fault kinds one after another in the second half of the span (each a tenth of the span,
 * separated by a tenth), so that the first half is normal traffic a detector can learn from.
 */
export function defaultFaultPlan(
  kinds: readonly FaultKind[],
  start: number,
  durationMs: number,
): FaultSpec[] {
  const slot = durationMs / (2 * Math.max(1, kinds.length));
  return kinds.map((kind, i) => ({
    kind,
    start: Math.floor(start + durationMs / 2 + i * slot),
    end: Math.floor(start + durationMs / 2 + i * slot + slot / 2),
  }));
}
