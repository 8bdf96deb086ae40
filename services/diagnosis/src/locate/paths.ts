import { posix } from 'node:path';

/**
 * Confines a path named by untrusted evidence (a stack frame, a source map) to the repository: the result is
 * repository-relative, '/'-separated, or null when it points outside (`../`, an absolute path elsewhere, a URL of
 * another scheme, a NUL byte). Pure string work: nothing is read.
 */
export function confinePath(raw: string, repoRoot: string): string | null {
  let p = raw.trim();
  if (p.length === 0 || p.length > 4096 || p.includes('\0')) return null;
  if (p.startsWith('file://')) {
    try {
      p = decodeURIComponent(new URL(p).pathname);
    } catch {
      return null;
    }
  } else if (/^[a-z][a-z0-9+.-]*:/i.test(p)) {
    return null; // node:internal, webpack://, http:// ...: not a file of this repository
  }
  p = p.replace(/\\/g, '/');
  const root = posix.normalize(repoRoot.replace(/\\/g, '/')).replace(/\/+$/, '');
  let rel: string;
  if (p.startsWith('/')) {
    const abs = posix.normalize(p);
    if (!abs.startsWith(root + '/')) return null;
    rel = abs.slice(root.length + 1);
  } else {
    if (p.split('/').includes('..')) return null;
    rel = posix.normalize(p);
  }
  if (rel === '' || rel === '.' || rel.startsWith('../') || rel.split('/').includes('..')) return null;
  return rel;
}
