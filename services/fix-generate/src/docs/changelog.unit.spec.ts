import { describe, expect, it } from 'vitest';
import { changelogEntry, inlineCode, plain, withEntry } from './changelog.js';

describe('changelog entries', () => {
  const entry = changelogEntry({
    incidentId: 'inc-1',
    symptom: 'British labels crash',
    cause: 'formatAddress upper-cases a missing second line.',
    change: 'Revert 8a1bc62.',
    quotes: ['unhandled error in POST /checkout: <*> `x` [link](http://evil)'],
  });

  it('quotes telemetry as inline code that holds backticks, and keeps prose free of markup', () => {
    expect(entry).toContain('``unhandled error in POST /checkout: <*> `x` [link](http://evil)``');
    expect(plain('# heading <img src=x> [a](b)')).toBe('heading img src=x a (b)');
    expect(plain('failed in POST <*>: reading <*>')).toBe('failed in POST …: reading …');
    expect(inlineCode('`start')).toBe('`` `start ``');
  });

  it('goes under Unreleased (and its Fixed subsection), or opens one, or makes the file', () => {
    const kac = '# Changelog\n\n## [Unreleased]\n\n### Added\n- a\n\n### Fixed\n- old fix\n\n## 1.0.0\n- x\n';
    const out = withEntry({ path: 'CHANGELOG.md', text: kac }, entry).text.split('\n');
    expect(out.indexOf(entry.trimEnd())).toBe(out.indexOf('### Fixed') + 1);
    expect(out.indexOf('- old fix')).toBe(out.indexOf('### Fixed') + 2);
    const plainFile = withEntry({ path: 'HISTORY.md', text: '# History\n\n## 1.0.0\n- x\n' }, entry);
    expect(plainFile.text.startsWith(`# History\n\n## Unreleased\n\n${entry.trimEnd()}`)).toBe(true);
    expect(withEntry(null, entry)).toEqual({
      path: 'CHANGELOG.md',
      text: `# Changelog\n\n## Unreleased\n\n${entry}`,
    });
  });
});
