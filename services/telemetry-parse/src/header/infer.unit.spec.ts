import { describe, expect, it } from 'vitest';
import { classOf, inferHeader } from './infer.js';

const WORDS = ['cache', 'parity', 'link', 'retry', 'node', 'lost', 'ok', 'queue', 'flush', 'timer'];
/** Deterministic message text: the header inference must not depend on what the messages say. */
function msg(i: number): string {
  const n = 2 + (i % 5);
  return Array.from({ length: n }, (_, k) =>
    k === 2 ? String(i * 7) : WORDS[(i * 3 + k) % WORDS.length]!,
  ).join(' ');
}
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

describe('classOf', () => {
  it.each([
    ['2023-04-05', 'num'],
    ['06:07:08,123', 'num'],
    ['INFO', 'level'],
    ['[warn]', 'level'],
    ['Warning', 'level'],
    ['D', 'letter'],
    ['[main]', 'bracket'],
    ['Jun', 'month'],
    ['Tue', 'weekday'],
    ['sshd[12]:', 'colon'],
    ['-', 'dash'],
    ['hello', 'word'],
  ])('%s is %s', (tok, cls) => expect(classOf(tok)).toBe(cls));
});

describe('inferHeader', () => {
  it('given a sample with epoch, date, node, precise time, node, type, component and level, then all is header', () => {
    const lines = Array.from({ length: 120 }, (_, i) => {
      const level = i % 9 === 0 ? 'FATAL' : i % 13 === 0 ? 'ERROR' : 'INFO';
      const node = `r${i % 4}-m${i % 2}-n${i % 7}`;
      return `- ${1700000000 + i} 2023.11.14 ${node} 2023-11-14-22.${pad(10 + (i % 40))}.20.${pad(i, 6)} ${node} RAS KERNEL ${level} ${msg(i)}`;
    });
    const h = inferHeader(lines)!;
    expect(h.notation).toBe('- <F1> <F2> <Host> <Time> <F5> <F6> <Component> <Level> <Content>');
    const r = h.match(lines[9]!)!;
    expect(r.level).toBe('fatal');
    expect(r.message).toBe(msg(9));
    expect(r.epochMs).toBe(Date.UTC(2023, 10, 14, 22, 19, 20, 0));
    expect(r.component).toBe('KERNEL');
  });

  it('given logcat-style lines, then pid, tid, the one-letter level and the tag are header', () => {
    const letters = ['D', 'I', 'W', 'E', 'V'];
    const lines = Array.from(
      { length: 100 },
      (_, i) =>
        `03-17 16:${pad(i % 60)}:38.811  ${1700 + (i % 3)}  ${2395 + i} ${letters[i % 5]!} Tag${i % 4}: ${msg(i)}`,
    );
    const h = inferHeader(lines)!;
    const r = h.match(lines[3]!)!;
    expect(r).toMatchObject({ level: 'error', component: 'Tag3', message: msg(3) });
  });

  it('given a program name of varying width before " - ", then the name absorbs the extra token', () => {
    const lines = Array.from(
      { length: 100 },
      (_, i) => `[10.30 16:${pad(i % 60)}:06] ${i % 4 === 0 ? 'agent.exe *64' : 'agent.exe'} - ${msg(i)}`,
    );
    const h = inferHeader(lines)!;
    expect(h.match(lines[0]!)).toMatchObject({ component: 'agent.exe *64', message: msg(0) });
    expect(h.match(lines[1]!)).toMatchObject({ component: 'agent.exe', message: msg(1) });
  });

  it('given lines with no stable leading field, then no header is inferred', () => {
    expect(inferHeader(Array.from({ length: 50 }, (_, i) => msg(i)))).toBeNull();
  });

  it('given a line that lacks the inferred header, then it matches nothing (its whole text is the message)', () => {
    const lines = Array.from(
      { length: 50 },
      (_, i) => `2023-04-05 06:07:${pad(i % 60)} INFO app.Main: ${msg(i)}`,
    );
    const h = inferHeader(lines)!;
    expect(h.match('\tat com.acme.Foo.bar(Foo.java:12)')).toBeNull();
    expect(h.match(lines[1]!)).toMatchObject({ level: 'info', component: 'app.Main', message: msg(1) });
  });

  it('given hostile lines (huge, unbalanced brackets), then tokenizing stops at the head', () => {
    const lines = Array.from({ length: 50 }, () => '['.repeat(100_000));
    expect(() => inferHeader(lines)).not.toThrow();
    const ok = Array.from({ length: 50 }, (_, i) => `2023-04-05 06:07:${pad(i % 60)} WARN x.Y: ${msg(i)}`);
    expect(
      inferHeader(ok)!.match('2023-04-05 06:07:08 WARN x.Y: ' + 'z'.repeat(1_000_000))?.message.length,
    ).toBe(1_000_000);
  });
});
