import { describe, expect, it } from 'vitest';
import { donorDrafts } from './donor.js';

const src = (...lines: string[]) => `${lines.join('\n')}\n`;

describe('donorDrafts', () => {
  it('given a raw parameter read where the function derived a variable from it, then the derived one is used', () => {
    const text = src(
      'export function use(path, fn) {',
      '  var mountPath;',
      "  mountPath = typeof path === 'string' ? path : '/';",
      '  fn.mountpath = path;',
      '  return mountPath;',
      '}',
    );
    const [d, ...rest] = donorDrafts('lib/app.js', text, [{ line: 4, weight: 1 }]);
    expect(rest).toEqual([]);
    expect(d!.text).toBe(text.replace('fn.mountpath = path;', 'fn.mountpath = mountPath;'));
  });

  it('given reads on several evidence lines inside a callback, then all of them in one candidate', () => {
    const text = src(
      'export function redirect(url, res) {',
      '  let address = url;',
      "  address = res.get('Location');",
      '  res.format({',
      '    text() { return encodeURI(url); },',
      '    html() { return escape(url); },',
      '  });',
      '}',
    );
    const drafts = donorDrafts('lib/res.js', text, [
      { line: 5, weight: 1 },
      { line: 6, weight: 0.9 },
    ]);
    expect(drafts.map((d) => d.text)).toEqual([
      text.replace('encodeURI(url)', 'encodeURI(address)').replace('escape(url)', 'escape(address)'),
    ]);
  });

  it('given evidence on one of several later reads, then also a candidate replacing every read after the donor settles', () => {
    const text = src(
      'export function redirect(url, res) {',
      '  log(url);',
      '  let address = url;',
      "  address = res.get('Location');",
      '  res.format({',
      '    text() { return encodeURI(url); },',
      '    html() { return escape(url); },',
      '    other(url) { return url; },',
      '  });',
      '}',
    );
    const drafts = donorDrafts('lib/res.js', text, [{ line: 7, weight: 1 }]);
    expect(drafts.map((d) => d.text)).toEqual([
      text.replace('escape(url)', 'escape(address)'),
      // log(url) reads it before the donor has its value; the callback's own parameter is another variable.
      text.replace('encodeURI(url)', 'encodeURI(address)').replace('escape(url)', 'escape(address)'),
    ]);
    expect(drafts[1]!.fit).toBeLessThan(drafts[0]!.fit);
  });

  it('given a variable built from parts of the one read, then it is no donor', () => {
    const text = src(
      'export function format(address) {',
      '  const lines = [address.name, address.street];',
      "  if (address.country === 'GB') lines.push(address.line2);",
      '  return lines;',
      '}',
    );
    expect(donorDrafts('lib/a.js', text, [{ line: 3, weight: 1 }])).toEqual([]);
  });

  it('given a variable only chosen by the one read (a test, a comparison), then it is no donor', () => {
    const text = src(
      'export function chooseCarrier(country, weightGrams) {',
      "  const preferred = weightGrams > 5000 ? ['dpd', 'dhl'] : ['dhl', 'dpd', 'ups'];",
      '  const heavy = !weightGrams;',
      '  const carrier = preferred.find((c) => serves(c, country));',
      '  if (!carrier) throw new Error(`no carrier serves ${country} for ${weightGrams} g`);',
      '  return carrier;',
      '}',
    );
    expect(donorDrafts('src/shipment.ts', text, [{ line: 5, weight: 1 }])).toEqual([]);
  });

  it('given no variable derived from the one read, then nothing (property names and globals are not variables)', () => {
    const text = src('export function f(a) {', '  const b = 2;', '  return a.b + Math.max(a.c, b);', '}');
    expect(donorDrafts('lib/f.js', text, [{ line: 3, weight: 1 }])).toEqual([]);
  });
});
