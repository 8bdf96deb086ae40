import { describe, expect, it } from 'vitest';
import { indexLogCalls, measureFor, type LogCallSite } from './logCalls.js';

const one = (text: string, path = 'src/a.ts'): LogCallSite[] => indexLogCalls([{ path, text }]);

/** Source text from lines, so that expected line numbers can be read off the array index (+1). */
const src = (...lines: string[]): string => lines.join('\n');

describe('indexLogCalls: which calls are log calls', () => {
  it('finds <anything>.<level>(...) and console.*(...), not Math.log or other methods', () => {
    const sites = one(
      src(
        "log.info('a');",
        "this.logger.warn('b');",
        "deps.log.child({ x: 1 }).error('c');",
        "console.table('d');",
        'Math.log(10);',
        "cart.add('e');",
        "logger?.debug('f');",
      ),
    );
    expect(sites.map((s) => [s.line, s.level, s.receiver, s.message])).toEqual([
      [1, 'info', 'log', 'a'],
      [2, 'warn', 'this.logger', 'b'],
      [3, 'error', 'deps.log.child()', 'c'],
      [4, 'table', 'console', 'd'],
      [7, 'debug', 'logger', 'f'],
    ]);
  });

  it('reads a computed level when it can only be level names (log[level] with a const conditional)', () => {
    const sites = one(
      src(
        'function respond(log, status, ms) {',
        "  const level = status >= 500 ? 'warn' : 'info';",
        '  log[level]({ step: "respond" }, `done status=${status} took ${ms} ms`);',
        '  log[pick()]("unknown level");',
        '  cache[key]("not a logger");',
        '}',
      ),
    );
    expect(sites).toHaveLength(1);
    expect(sites[0]).toMatchObject({ line: 3, level: 'warn|info', message: 'done status=<*> took <*> ms' });
  });
});

describe('indexLogCalls: the message as a template', () => {
  it('pino: object first, message second; template literal placeholders become <*>', () => {
    const [site] = one(
      src(
        'export async function checkout(log, deps, units) {',
        '  const reservation = await timed(() => deps.inventory.reserve(units));',
        '  log.info(',
        "    { step: 'reserveInventory', durationMs: reservation.ms, units },",
        '    `reserved ${units} items in warehouse ${reservation.value.warehouse} took ${reservation.ms} ms`,',
        '  );',
        '}',
      ),
    );
    expect(site).toMatchObject({
      path: 'src/a.ts',
      line: 3,
      column: 3,
      endLine: 6,
      level: 'info',
      message: 'reserved <*> items in warehouse <*> took <*> ms',
      keys: ['step', 'durationMs', 'units'],
      constants: { step: 'reserveInventory' },
      fn: { name: 'checkout', startLine: 1, endLine: 7 },
      test: false,
    });
  });

  it('printf specifiers, util.format, string concatenation and module constants', () => {
    const sites = one(
      src(
        'const LIMIT = 3;',
        "const PREFIX = 'cache';",
        "logger.warn('retry %d of %s (100%% sure)', n, name);",
        "log.info(util.format('user %s logged in', id));",
        "log.error('failed to load ' + file + ' after ' + LIMIT + ' tries');",
        'log.info(`${PREFIX} size below ${LIMIT}: ${size}${unit}`);',
        'log.info(err, `payment failed for order ${id}`);',
        'log.info(message);',
      ),
    );
    expect(sites.map((s) => s.message)).toEqual([
      'retry <*> of <*> (100% sure)',
      'user <*> logged in',
      'failed to load <*> after 3 tries',
      'cache size below 3: <*>',
      'payment failed for order <*>',
      null,
    ]);
  });

  it('console appends the arguments a pattern does not consume, space-separated', () => {
    const sites = one(
      src("console.log('listening on', port, 'as', 'api');", "console.error('bad %s:', name, err);"),
    );
    expect(sites.map((s) => s.message)).toEqual(['listening on <*> as api', 'bad <*>: <*>']);
  });
});

describe('indexLogCalls: where a call is', () => {
  it('names the enclosing function: methods with their class, arrows by their variable, callbacks by their call', () => {
    const sites = one(
      src(
        'class Payments {',
        '  charge(x) {',
        "    this.log.info('charging');",
        '  }',
        '}',
        "const handler = async () => { log.info('handled'); };",
        "router.add('GET', '/health', () => { log.debug('probe'); });",
        "log.info('top level');",
      ),
    );
    expect(sites.map((s) => s.fn?.name ?? null)).toEqual([
      'Payments.charge',
      'handler',
      "add('GET', '/health') callback",
      null,
    ]);
    expect(sites[0]!.fn).toEqual({ name: 'Payments.charge', startLine: 2, endLine: 4 });
  });

  it('flags test files', () => {
    expect(one("log.info('x');", 'test/flow.spec.ts')[0]!.test).toBe(true);
    expect(one("log.info('x');", 'src/flow.ts')[0]!.test).toBe(false);
  });
});

describe('indexLogCalls: previous log statement and measured code', () => {
  const flow = src(
    'async function flow(log, deps) {', // 1
    "  log.info({ step: 'start' }, 'started');", // 2
    '  const reservation = await timed(() => deps.reserve());', // 3
    '  for (const line of reservation.value.lines) {', // 4
    "    if (line.low) log.warn({ step: 'reserve' }, `low ${line.sku}`);", // 5
    '  }', // 6
    "  log.info({ step: 'reserve', durationMs: reservation.ms }, `reserved took ${reservation.ms} ms`);", // 7
    '  const started = Date.now();', // 8
    '  await deps.charge();', // 9
    '  const ms = Math.round(Date.now() - started);', // 10
    "  log.info({ step: 'charge', durationMs: ms }, `charged took ${ms} ms`);", // 11
    '  try {', // 12
    '    await deps.ship();', // 13
    "    log.info({ step: 'ship' }, 'shipped');", // 14
    '  } catch (e) {', // 15
    "    deps.notify().catch(() => log.error('notify failed'));", // 16
    '  }', // 17
    '}', // 18
  );
  const sites = one(flow);
  const at = (line: number): LogCallSite => sites.find((s) => s.line === line)!;

  it('skips log calls in branches and loops: they may not have run', () => {
    expect(at(7).previous).toEqual({ startLine: 2, endLine: 2 });
    expect(at(5).previous).toEqual({ startLine: 2, endLine: 2 });
  });

  it('climbs out of blocks to earlier statements, and stops at a callback', () => {
    expect(at(14).previous).toEqual({ startLine: 11, endLine: 11 });
    expect(at(16).previous).toBeNull();
    expect(at(2).previous).toBeNull();
  });

  it('finds the statement a duration was measured by, directly or as a difference of clock readings', () => {
    expect(at(7).measures).toMatchObject({
      durationMs: { startLine: 3, endLine: 3 },
      $0: { startLine: 3, endLine: 3 },
    });
    expect(at(11).measures).toMatchObject({ durationMs: { startLine: 8, endLine: 10 } });
  });

  it("reads a detector's metric name as the duration the line reports: a duration field, else a <*> before a unit", () => {
    expect(measureFor(at(7), 'latency.p95')).toEqual({ startLine: 3, endLine: 3 });
    expect(measureFor(at(7), 'durationMs')).toEqual({ startLine: 3, endLine: 3 });
    expect(measureFor(at(7), 'throughput')).toBeUndefined();
    const [plain] = one(
      src(
        'async function f(log, deps) {',
        '  const t = await timed(() => deps.work());',
        '  const n = count();',
        '  log.info(`did ${n} things in ${t.ms} ms`);',
        '}',
      ),
    );
    expect(measureFor(plain!, 'latency.p95')).toEqual({ startLine: 2, endLine: 2 });
  });
});
