import { describe, expect, it } from 'vitest';
import type { Finding, TemplatedEvent } from '@self-healing/schemas';
import { buildCallGraph } from '../code/callGraph.js';
import { indexLogCalls } from '../code/logCalls.js';
import { codeModelOf } from '../service/codeModel.js';
import { touchesOf } from './changes.js';
import { locateErrors } from './locate.js';
import { importedFiles, settingDeclaredOn, settingsRead } from './settings.js';
import { rankSuspects } from './suspects.js';
import type { ChangeWindow, RangeCommit } from './types.js';

// A constructed repository: a payment client that gives up after `config.maxAttempts` attempts, a setting the
// release lowered, and a module with a field of the same name that imports nothing of the configuration.
const CONFIG = `export const config = {
  currency: 'EUR',
  /** Attempts before the client gives up. */
  maxAttempts: 1,
  timeoutMs: 800,
};

export interface Limits {
  maxAttempts: number;
}
`;
const CLIENT = `import { config } from '../config.js';

export async function charge(attempt: () => Promise<string>): Promise<string> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= config.maxAttempts) throw new Error('payment failed');
    }
  }
}
`;
const OTHER = `export function retries(o: { maxAttempts: number }): number {
  return o.maxAttempts;
}
`;
const sources = [
  { path: 'src/config.ts', text: CONFIG },
  { path: 'src/payment/client.ts', text: CLIENT },
  { path: 'src/other.ts', text: OTHER },
];
const model = codeModelOf(
  new Set(sources.map((s) => s.path)),
  new Map(sources.map((s) => [s.path, s.text])),
  indexLogCalls(sources),
  buildCallGraph(sources),
);
const commit = (sha: string, depth: number, subject: string, diff: string): RangeCommit => ({
  sha: sha.repeat(40),
  time: 0,
  author: 'x',
  subject,
  depth,
  styleOnly: false,
  touches: touchesOf(diff),
});
const window: ChangeWindow = {
  good: 'a'.repeat(40),
  bad: 'c'.repeat(40),
  bounded: true,
  commits: [
    commit('c', 0, 'Notifier: brand the subject', '--- a/src/other.ts\n+++ b/src/other.ts\n@@ -2 +2 @@\n'),
    commit('b', 1, 'Payments: fail fast', '--- a/src/config.ts\n+++ b/src/config.ts\n@@ -4 +4 @@\n'),
  ],
};
const error: Finding = {
  id: 'f1',
  kind: 'error',
  rule: 'new-error-template',
  service: 'checkout',
  subject: 't-err',
  templateIds: ['t-err'],
  since: 1000,
  at: 2000,
  magnitude: 5,
  explanation: '',
  evidence: {},
};
const event: TemplatedEvent = {
  timestamp: 1500,
  service: 'checkout',
  host: null,
  level: 'error',
  component: null,
  templateId: 't-err',
  template: 'payment failed',
  params: [],
  traceId: null,
  spanId: null,
  sessionId: null,
  numbers: {},
  stack: ['charge (/srv/app/src/payment/client.ts:8)'],
};

describe('settingDeclaredOn', () => {
  it('given a property, a constant or a field given a literal, then its name', () => {
    expect(settingDeclaredOn('  maxAttempts: 1,')).toBe('maxAttempts');
    expect(settingDeclaredOn("export const RETRY_CODES = ['503', '504'];")).toBe('RETRY_CODES');
    expect(settingDeclaredOn('  private static readonly limit = 60 * 1000;')).toBe('limit');
    expect(settingDeclaredOn("  'freeShippingCents': 5000,")).toBe('freeShippingCents');
    expect(settingDeclaredOn('  timeoutMs: Number(process.env.TIMEOUT_MS ?? 800),')).toBe('timeoutMs');
  });

  it('given a type, a computation, a comparison or a short name, then nothing', () => {
    expect(settingDeclaredOn('  maxAttempts: number;')).toBeNull();
    expect(settingDeclaredOn('const total = items.reduce((s, i) => s + i.price, 0);')).toBeNull();
    expect(settingDeclaredOn('  if (n >= config.maxAttempts) throw error;')).toBeNull();
    expect(settingDeclaredOn('  id: 1,')).toBeNull();
    expect(settingDeclaredOn('default:')).toBeNull();
  });
});

describe('importedFiles', () => {
  it('given relative imports and requires, then the repository files they name; nothing outside it', () => {
    const files = new Set(['src/config.ts', 'src/a/index.ts', 'src/b.js']);
    const text =
      "import { config } from '../config.js';\nimport x from './a';\nconst b = require('../b');\nimport y from '../../../etc/passwd';\nimport z from 'left-pad';";
    expect([...importedFiles('src/payment/client.ts', text, files)]).toEqual(['src/config.ts', 'src/b.js']);
    expect([...importedFiles('src/main.ts', text.replace('../config', './config'), files)].sort()).toEqual([
      'src/a/index.ts',
      'src/config.ts',
    ]);
  });
});

describe('settingsRead', () => {
  it('given an evidence line reading a setting the window changed in a file it imports, then the setting joins', () => {
    const read = settingsRead(
      [{ path: 'src/payment/client.ts', line: 8, score: 1, why: 'stack frame 0 (charge)' }],
      model,
      window,
    );
    expect(read).toEqual([expect.objectContaining({ path: 'src/config.ts', line: 4, score: 0.2 })]);
    expect(read[0]!.why).toContain('sets maxAttempts, which src/payment/client.ts:8 reads');
  });

  it('given a line reading the same name without importing the setting, or no window, then nothing', () => {
    const lines = [{ path: 'src/other.ts', line: 2, score: 1, why: 'stack frame 0' }];
    expect(settingsRead(lines, model, window)).toEqual([]);
    expect(
      settingsRead([{ path: 'src/payment/client.ts', line: 8, score: 1, why: 'x' }], model, null),
    ).toEqual([]);
  });

  it('given an error raised where the lowered setting is read, then the commit that lowered it is the suspect', () => {
    const issue = locateErrors({
      findings: [error],
      events: [event],
      templates: new Map(),
      code: model,
      window,
      layout: { outDir: null },
    })!;
    // the raising line keeps the lead; the changed setting follows it
    expect(issue.lines[0]).toMatchObject({ path: 'src/payment/client.ts', line: 8 });
    expect(issue.lines[1]).toMatchObject({ path: 'src/config.ts', line: 4 });
    expect(issue.lines[1]!.why).toContain('changed in bbbbbbb "Payments: fail fast"');
    const blame = new Map([['src/config.ts', new Map([[4, 'b'.repeat(40)]])]]);
    const [suspect] = rankSuspects(issue.lines, blame, window);
    expect(suspect).toMatchObject({ sha: 'b'.repeat(40), subject: 'Payments: fail fast' });
  });
});
