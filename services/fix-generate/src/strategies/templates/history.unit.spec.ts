import { describe, expect, it } from 'vitest';
import { normalizeCode } from '../diff.js';
import { fallbackDrafts, movedStepDrafts, pairVersions, removedCallDrafts } from './history.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;
/** The lines a commit from `old` to `now` removed, as `git show -w -U0` would list them (normalised). */
const removedLines = (old: string, now: string) => {
  const keep = new Set(now.split('\n').map(normalizeCode));
  return old
    .split('\n')
    .map(normalizeCode)
    .filter((l) => l && !keep.has(l));
};

describe('fallbackDrafts', () => {
  const old = src(
    'export async function place(deps: Deps, order: Order): Promise<Order> {',
    '  deps.orders.reserve(order);',
    '  try {',
    '    const sent = await deps.mail.send(order.email);',
    "    deps.log.info('sent', sent);",
    '  } catch (error) {',
    "    order.mail = 'failed';",
    '  }',
    '  return order;',
    '}',
  );
  const now = src(
    'export async function place(deps: Deps, order: Order): Promise<Order> {',
    '  deps.orders.reserve(order); // keeps the stock',
    '  const sent = await deps.mail.send(order.email);',
    "  deps.log.info('sent', sent);",
    '  return order;',
    '}',
  );

  it('given a try/catch the suspect removed around the evidence line, then it is put back around today’s statements', () => {
    const v = pairVersions('src/p.ts', now, old, 3, removedLines(old, now), [{ line: 3, weight: 1 }])!;
    const [draft, ...rest] = fallbackDrafts(v, 'error');
    expect(rest).toEqual([]);
    expect(draft!.text).toBe(
      src(
        'export async function place(deps: Deps, order: Order): Promise<Order> {',
        '  deps.orders.reserve(order); // keeps the stock',
        '  try {',
        '    const sent = await deps.mail.send(order.email);',
        "    deps.log.info('sent', sent);",
        '  } catch (error) {',
        "    order.mail = 'failed';",
        '  }',
        '  return order;',
        '}',
      ),
    );
    expect(draft!.fit).toBeGreaterThan(0.8);
  });

  it('given evidence elsewhere in the function, then no fallback', () => {
    const v = pairVersions('src/p.ts', now, old, 5, removedLines(old, now), [{ line: 5, weight: 1 }])!;
    expect(fallbackDrafts(v, 'error')).toEqual([]);
  });
});

describe('removedCallDrafts', () => {
  it('given a call statement the suspect removed, then it is restored after the statement it followed', () => {
    const old = src(
      'export function close(cart: Cart, log: Log): void {',
      '  cart.lock();',
      '  cart.release();',
      "  log.info('closed');",
      '}',
    );
    const now = src(
      'export function close(cart: Cart, log: Log): void {',
      '  cart.lock();',
      "  log.info('closed');",
      '}',
    );
    const v = pairVersions('src/c.ts', now, old, 3, removedLines(old, now), [{ line: 3, weight: 1 }])!;
    const drafts = removedCallDrafts(v, 'behavioral');
    expect(drafts.map((d) => d.text)).toEqual([old]);
  });

  it('given a statement that was changed, not removed, then nothing (a revert of the hunk is another strategy)', () => {
    const old = src(
      'export function f(a: number): number {',
      '  if (a > 1) {',
      '    a = 2;',
      '  }',
      '  return a;',
      '}',
    );
    const now = src(
      'export function f(a: number): number {',
      '  if (a > 1 && a < 9) {',
      '    a = 2;',
      '  }',
      '  return a;',
      '}',
    );
    const v = pairVersions('src/f.ts', now, old, 2, removedLines(old, now), [{ line: 2, weight: 1 }])!;
    expect(removedCallDrafts(v, 'behavioral')).toEqual([]);
  });
});

describe('movedStepDrafts', () => {
  it('given a run of steps moved ahead of another, then the run goes back where it was, blank lines kept', () => {
    const old = src(
      'export async function checkout(d: Deps): Promise<void> {',
      '  const paid = await d.pay();',
      '  d.commit(paid);',
      '',
      '  const ship = await d.ship();',
      '  d.log(ship);',
      '',
      '  d.save();',
      '}',
    );
    const now = src(
      'export async function checkout(d: Deps): Promise<void> {',
      '  // ship first: it is slow',
      '  const ship = await d.ship();',
      '  d.log(ship);',
      '',
      '  const paid = await d.pay();',
      '  d.commit(paid);',
      '',
      '  d.save();',
      '}',
    );
    const v = pairVersions('src/k.ts', now, old, 3, removedLines(old, now), [{ line: 3, weight: 1 }])!;
    const drafts = movedStepDrafts(v, 'behavioral');
    expect(drafts.map((d) => d.text)).toEqual([
      src(
        'export async function checkout(d: Deps): Promise<void> {',
        '  const paid = await d.pay();',
        '  d.commit(paid);',
        '',
        '  // ship first: it is slow',
        '  const ship = await d.ship();',
        '  d.log(ship);',
        '',
        '  d.save();',
        '}',
      ),
    ]);
  });
});
