import { describe, expect, it } from 'vitest';
import { confined } from './scratch.js';

describe('confined', () => {
  it('keeps repository-relative paths and refuses everything that leaves the repository or touches .git', () => {
    expect(confined('src/a.ts')).toBe('src/a.ts');
    expect(confined('src/./b/../a.ts')).toBe('src/a.ts');
    for (const bad of ['', '/etc/passwd', '../x', 'src/../../x', '.git/config', 'a\\b', 'a\0b', '.'])
      expect(confined(bad)).toBeNull();
  });
});
