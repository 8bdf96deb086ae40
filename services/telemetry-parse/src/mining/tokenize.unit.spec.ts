import { describe, expect, it } from 'vitest';
import { isPureVariable, maskToken } from './mask.js';
import { internalized, toSlots } from './tokenize.js';

/** Tokens whose masking depends on digits in every way the shape cache must respect. */
const TOKENS = [
  'jk2_init()',
  'jk3_init()',
  'log4j',
  'log5j',
  'blk_-6247364168500873179',
  'blk_703046261120042821',
  '10.251.39.144:50010',
  '9.9.9.9:1',
  'u-5511',
  'u-7',
  's3://bucket/key1',
  's4://bucket/key2',
  'user=u-5662',
  'SOCKS5',
  'SOCKS6',
  'FNANLI5',
  'attempt_14_0020_m_000000_0',
  'v1.2',
  '0x7ffe12',
  'deadbeef0042',
  '5070.',
  'état=3',
  'naïve',
];

describe('toSlots masking cache', () => {
  it('given tokens seen in any order, then each slot is masked as maskToken masks it alone', () => {
    const orders = [TOKENS, [...TOKENS].reverse(), [...TOKENS, ...TOKENS]];
    for (const order of orders) {
      for (const tok of order) {
        const masked = maskToken(tok);
        const slots = toSlots(`event ${tok} done`);
        expect(slots.details[1]).toBe(masked);
        expect(slots.keys[1]).toBe(isPureVariable(masked) ? '<*>' : masked);
      }
    }
  });

  it('given followers of one word that alternate, share prefixes or differ in length, then each is masked alone', () => {
    // The tokenizer compares a token with the last two shapes that followed the previous one while reading
    // it, switching from one to the other mid-token: prefixes, longer and shorter tokens must all still land
    // on their own masking.
    const followers = [
      'open',
      'opened',
      'op',
      'close,',
      'u-5',
      'u-5511',
      'jk2_init()',
      'jk7_init()',
      '42',
      'o',
    ];
    const orders = [
      followers,
      [...followers].reverse(),
      followers.flatMap((f, i) => [f, followers[(i + 3) % 10]!]),
    ];
    for (const order of orders) {
      for (const tok of [...order, ...order]) {
        const masked = maskToken(tok);
        const slots = toSlots(`conn ${tok} now`);
        expect(slots.details[1]).toBe(masked);
        expect(slots.keys[1]).toBe(isPureVariable(masked) ? '<*>' : masked);
        expect(slots.keys[2]).toBe('now');
      }
    }
  });

  it('given a unit word right after a value and its unit, then it joins that value slot', () => {
    const s = toSlots('sent 5 KB KB (7.5 KB) ms then');
    expect(s.keys).toEqual(['sent', '<*>', 'then']);
    expect(s.details[1]).toBe('<*> KB KB (<*> KB) ms');
  });

  it('given any string, then its internalized copy is equal to it', () => {
    for (const s of ['', 'x', '<*>', '__proto__', 'constructor', '123', 'jk2_init()', 'naïve']) {
      expect(internalized(s)).toBe(s);
    }
  });

  it('given two tokens of one shape whose masking keeps a digit, then each keeps its own text', () => {
    expect(toSlots('jk2_init() Found child').keys[0]).toBe('jk2_init()');
    expect(toSlots('jk7_init() Found child').keys[0]).toBe('jk7_init()');
    expect(toSlots('jk2_init() Found child').keys[0]).toBe('jk2_init()');
  });

  it('given a message repeated with other values, then the slots follow the values, not the last message', () => {
    expect(toSlots('fetch took 532 ms total').keys).toEqual(['fetch', 'took', '<*>', 'total']);
    expect(toSlots('fetch took slow ms total').keys).toEqual(['fetch', 'took', 'slow', 'ms', 'total']);
    expect(toSlots('fetch took 7 ms total').details[2]).toBe('<*> ms');
  });

  it('given tokens longer than any seen before, then they are read whole', () => {
    const long = 'x'.repeat(300) + '_' + '7'.repeat(300);
    const s = toSlots(`start ${long} end ${'y'.repeat(1000)}`);
    expect(s.keys).toEqual(['start', '<*>', 'end', 'y'.repeat(1000)]);
    expect(s.raws[1]).toBe(long);
    const huge = toSlots(`${'z'.repeat(70_000)} ${long}`);
    expect(huge.keys).toEqual(['z'.repeat(70_000), '<*>']);
  });

  it('given tabs and runs of spaces inside a value slot, then its raw text has single spaces', () => {
    const s = toSlots('sent  1300\tbytes   (1.27 KB)  to peer');
    expect(s.keys).toEqual(['sent', '<*>', 'to', 'peer']);
    expect(s.raws[1]).toBe('1300 bytes (1.27 KB)');
    expect(toSlots('sent 1300 bytes (1.27 KB) to peer').raws[1]).toBe('1300 bytes (1.27 KB)');
  });
});
