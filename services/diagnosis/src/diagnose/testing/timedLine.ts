import type { TemplatedEvent } from '@self-healing/schemas';

/**
 * For tests: one log line of service `checkout`, instance `i-1`, that reports a duration (`durationMs`), written at
 * `at` when its step ended. `over` sets anything else (its trace, its text, another instance).
 */
export const timedLine = (
  templateId: string,
  at: number,
  ms: number,
  over: Partial<TemplatedEvent> = {},
): TemplatedEvent => ({
  timestamp: at,
  service: 'checkout',
  host: 'i-1',
  level: 'info',
  component: null,
  templateId,
  template: `${templateId} took <*> ms`,
  params: [String(ms)],
  traceId: null,
  spanId: null,
  sessionId: null,
  numbers: { durationMs: ms },
  stack: [],
  ...over,
});
