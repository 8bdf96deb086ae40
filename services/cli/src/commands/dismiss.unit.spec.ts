import { describe, expect, it } from 'vitest';
import { parseQuietFor } from './dismiss.js';

describe('healctl dismiss --quiet-for', () => {
  it('reads minutes, hours and days', () => {
    expect(parseQuietFor('30m')).toBe(30 * 60_000);
    expect(parseQuietFor(' 12h ')).toBe(12 * 3_600_000);
    expect(parseQuietFor('7d')).toBe(7 * 86_400_000);
  });

  it('refuses anything else, zero, and more than a year', () => {
    for (const bad of ['', '7', 'd', '1w', '-1d', '1.5h', '0m', '400d', '7d; rm -rf /'])
      expect(parseQuietFor(bad)).toBeNull();
  });
});
