import { describe, expect, it } from 'vitest';
import { enclosingHeader, enclosingHeaders, textModel, tokens } from './text.js';

const FILE = [
  'res.send = function(body){', // 1
  '  var x = body;', // 2
  '  return x;', // 3
  '};', // 4
  '', // 5
  'res.format = function(obj){', // 6
  '  var keys = Object.keys(obj);', // 7
  '  if (keys.length) {', // 8
  '    next(keys[0]);', // 9
  '  }', // 10
  '};', // 11
];

describe('tokens', () => {
  it('splits camelCase, punctuation and drops one-letter and numeric tokens', () => {
    expect(tokens('res.sendFile(path) 404 x')).toEqual(['res', 'send', 'file', 'path']);
  });
});

describe('enclosingHeader', () => {
  it('finds the nearest less-indented definition above', () => {
    expect(enclosingHeader(FILE, 9)).toBe('res.format = function(obj){');
    expect(enclosingHeader(FILE, 2)).toBe('res.send = function(body){');
    expect(enclosingHeader(FILE, 1)).toBeUndefined();
  });
});

describe('enclosingHeaders', () => {
  it('walks out through nested definitions, innermost first', () => {
    const nested = [
      'proto.handle = function(req) {',
      '  list.forEach(function(fn) {',
      '    fn(req);',
      '  });',
      '};',
    ];
    expect(enclosingHeaders(nested, 3, 3)).toEqual([
      '  list.forEach(function(fn) {',
      'proto.handle = function(req) {',
    ]);
    expect(enclosingHeaders(nested, 3, 1)).toEqual(['  list.forEach(function(fn) {']);
  });
});

describe('textModel', () => {
  it('scores the definition the failing test is named after above others, rare words weighing most', () => {
    const titles = [
      'res .send(body) should send',
      'res .format(obj) should pick',
      'res .send() should be empty',
    ];
    const model = textModel([{ title: 'res .format(obj) should pick' }], titles);
    expect(model.score(FILE, 9)).toBeGreaterThan(model.score(FILE, 2));
    expect(model.score(FILE, 9)).toBeGreaterThan(0);
    expect(model.score(FILE, 9)).toBeLessThanOrEqual(1);
  });
  it('scores nothing without failing tests', () => {
    expect(textModel([], ['a b']).score(FILE, 9)).toBe(0);
  });
});
