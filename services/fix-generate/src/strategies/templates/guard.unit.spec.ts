import { describe, expect, it } from 'vitest';
import type { FixInput, IssueView } from '../types.js';
import { GuardTemplate, guardDrafts, propertyRead } from './guard.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('propertyRead', () => {
  it('reads the property name from the usual TypeError messages', () => {
    expect(propertyRead("Cannot read properties of undefined (reading 'toUpperCase')")).toBe('toUpperCase');
    expect(propertyRead("Cannot read property 'id' of null")).toBe('id');
    expect(propertyRead('user.profile.save is not a function')).toBe('save');
    expect(propertyRead('connection refused')).toBeUndefined();
  });
});

describe('guardDrafts', () => {
  it('given an asserted value pushed in an if branch with an else, then the nested guard keeps the else and ranks first', () => {
    const text = src(
      'export function label(a: { c: string; l2?: string }): string[] {',
      '  const out: string[] = [];',
      "  if (a.c === 'GB') out.push(a.l2!.toUpperCase());",
      '  else if (a.l2) out.push(a.l2);',
      '  return out;',
      '}',
    );
    const drafts = guardDrafts(
      'src/a.ts',
      text,
      3,
      "Cannot read properties of undefined (reading 'toUpperCase')",
    );
    const best = drafts.sort((x, y) => y.fit - x.fit)[0]!;
    expect(best.text).toBe(
      src(
        'export function label(a: { c: string; l2?: string }): string[] {',
        '  const out: string[] = [];',
        "  if (a.c === 'GB') {",
        '    if (a.l2) out.push(a.l2.toUpperCase());',
        '  } else if (a.l2) out.push(a.l2);',
        '  return out;',
        '}',
      ),
    );
    const texts = drafts.map((d) => d.text);
    expect(texts).toContain(
      text.replace("if (a.c === 'GB') out.push(a.l2!.", "if (a.c === 'GB' && a.l2) out.push(a.l2."),
    );
    expect(texts).toContain(text.replace('a.l2!.toUpperCase', 'a.l2?.toUpperCase'));
    // optional chaining would push undefined: it fits worse than skipping the push
    const optional = drafts.find((d) => d.text.includes('a.l2?.toUpperCase'))!;
    expect(optional.fit).toBeLessThan(best.fit);
  });

  it('given a call statement whose result nobody reads, then optional chaining fits best', () => {
    const text = src('export function close(s: { conn?: { end(): void } }): void {', '  s.conn.end();', '}');
    const drafts = guardDrafts('src/s.ts', text, 2, "Cannot read properties of undefined (reading 'end')");
    const best = drafts.sort((x, y) => y.fit - x.fit)[0]!;
    expect(best.text).toBe(text.replace('s.conn.end()', 's.conn?.end()'));
    expect(drafts.map((d) => d.text)).toContain(
      text.replace('  s.conn.end();', '  if (s.conn) s.conn.end();'),
    );
  });

  it('given a declaration, then only optional chaining (a declaration cannot be skipped)', () => {
    const text = src(
      'export function n(o: { a?: { b: number } }): number | undefined {',
      '  const v = o.a.b;',
      '  return v;',
      '}',
    );
    const drafts = guardDrafts('src/n.ts', text, 2, "Cannot read properties of undefined (reading 'b')");
    expect(drafts.map((d) => d.text)).toEqual([text.replace('o.a.b', 'o.a?.b')]);
  });

  it('given a value used before the check that throws without it, then the check moves above the use', () => {
    const text = src(
      'export function show(id: string, get: (id: string) => { carrier: string } | undefined) {',
      '  const order = get(id);',
      '  const url = track(order!.carrier);',
      "  if (!order) throw new Error('no order');",
      '  return { order, url };',
      '}',
    );
    const drafts = guardDrafts('src/o.ts', text, 3, '');
    const best = drafts.sort((x, y) => y.fit - x.fit)[0]!;
    expect(best.text).toBe(
      src(
        'export function show(id: string, get: (id: string) => { carrier: string } | undefined) {',
        '  const order = get(id);',
        "  if (!order) throw new Error('no order');",
        '  const url = track(order!.carrier);',
        '  return { order, url };',
        '}',
      ),
    );
  });

  it('given two values asserted present in a condition, then both read through optional chaining, first', () => {
    const text = src(
      'export function id(h: string): string | undefined {',
      "  const [v, t] = h.split('-');",
      '  if (v!.length === 2 && t!.length === 32) return t;',
      '  return undefined;',
      '}',
    );
    const drafts = guardDrafts('src/t.ts', text, 3, '').sort((x, y) => y.fit - x.fit);
    expect(drafts[0]!.text).toBe(
      text.replace('v!.length === 2 && t!.length', 'v?.length === 2 && t?.length'),
    );
    expect(drafts[1]!.fit).toBeLessThan(drafts[0]!.fit);
  });

  it('given "is not a function", then the call becomes optional', () => {
    const text = src('export function done(cb: { notify?: () => void }): void {', '  cb.notify();', '}');
    const drafts = guardDrafts('src/d.ts', text, 2, 'cb.notify is not a function');
    expect(drafts.map((d) => d.text)).toContain(text.replace('cb.notify()', 'cb.notify?.()'));
  });

  it('given a declaration and the same chain defaulted elsewhere in the function, then that donor as the default', () => {
    const text = src(
      'export function label(o: { a?: { name: string } }): string {',
      "  const shown = o.a?.name ?? 'unknown';",
      '  const upper = o.a!.name.toUpperCase();',
      '  return shown + upper;',
      '}',
    );
    const drafts = guardDrafts('src/l.ts', text, 3, "Cannot read properties of undefined (reading 'name')");
    const best = drafts.sort((x, y) => y.fit - x.fit)[0]!;
    expect(best.text).toBe(
      text.replace('o.a!.name.toUpperCase();', "(o.a?.name ?? 'unknown').toUpperCase();"),
    );
  });

  it('given a line with no access, then nothing', () => {
    expect(guardDrafts('src/x.ts', src('export const x = 1;'), 1, '')).toEqual([]);
  });
});

describe('GuardTemplate', () => {
  const code = src(
    'export function applyCoupon(log: Logger | undefined, coupon: string) {',
    '  log!.info(`applied coupon ${coupon}`);',
    '}',
  );
  const input = (kind: IssueView['kind'], errorTemplate: string | null): FixInput => ({
    repo: {
      baseCommit: 'b'.repeat(40),
      files: new Set(['src/flow.ts']),
      read: async (path) => (path === 'src/flow.ts' ? code : undefined),
      commitDiff: async () => '',
      log: async () => [],
    },
    issue: {
      id: 'i',
      kind,
      title: 't',
      hypothesis: 'h',
      confidence: 0.8,
      lines: [{ path: 'src/flow.ts', line: 2, score: 1, why: 'logs the step' }],
      suspects: [],
      evidence: { errorTemplate },
      bounded: false,
    },
    remedy: { id: 'r', kind: 'code-template', summary: '', confidence: 0.5, targets: [] },
    scratch: () => Promise.reject(new Error('not needed')),
  });

  it('given an error reading through a missing value, then it guards the access on the evidence line', async () => {
    const found = await new GuardTemplate().generate(
      input('error', "Cannot read properties of undefined (reading 'info')"),
    );
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.files.get('src/flow.ts')).toContain('log?.info');
  });

  it('given no error (a template never seen, a moved step), then no guard: nothing there threw', async () => {
    expect(await new GuardTemplate().generate(input('behavioral', null))).toEqual([]);
    expect(await new GuardTemplate().generate(input('performance', null))).toEqual([]);
  });
});
