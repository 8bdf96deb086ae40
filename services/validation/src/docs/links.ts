/**
 * Where a Markdown link goes, and whether it arrives: relative targets resolve against the linking file (or the
 * repository root for `/path`, as GitHub renders them), never outside the repository; `#anchor`s must name a heading
 * of the target document. External links are not fetched: a validation must not depend on the internet or call out
 * of its sandbox, so they are listed as not checked.
 */
import { posix } from 'node:path';

export type LinkTarget =
  | { kind: 'external'; url: string }
  | { kind: 'ignored' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'local'; path: string | null; anchor: string | null };

/**
 * Classifies a link target written in `fromFile` (a repository path). For `local`, `path` is the repository path
 * of the target (null: the same file) and `anchor` the decoded fragment.
 */
export function resolveLink(fromFile: string, target: string): LinkTarget {
  const t = target.trim();
  if (t === '') return { kind: 'invalid', reason: 'empty link target' };
  if (/^[a-z][a-z0-9+.-]*:/i.test(t)) {
    const scheme = t.slice(0, t.indexOf(':')).toLowerCase();
    if (scheme === 'http' || scheme === 'https') return { kind: 'external', url: t };
    if (scheme === 'mailto' || scheme === 'tel') return { kind: 'ignored' };
    return { kind: 'external', url: t };
  }
  if (t.startsWith('//')) return { kind: 'external', url: t };
  const hash = t.indexOf('#');
  const rawPath = (hash >= 0 ? t.slice(0, hash) : t).replace(/\?.*$/, '');
  const rawAnchor = hash >= 0 ? t.slice(hash + 1) : null;
  let path: string;
  let anchor: string | null;
  try {
    path = decodeURIComponent(rawPath);
    anchor = rawAnchor === null ? null : decodeURIComponent(rawAnchor);
  } catch {
    return { kind: 'invalid', reason: 'malformed percent-encoding' };
  }
  if (/[\0\\]/.test(path)) return { kind: 'invalid', reason: 'control character or backslash in the path' };
  if (path === '') return { kind: 'local', path: null, anchor };
  const joined = path.startsWith('/') ? path.slice(1) : posix.join(posix.dirname(fromFile), path);
  const normal = posix.normalize(joined === '' ? '.' : joined).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../') || posix.isAbsolute(normal))
    return { kind: 'invalid', reason: 'points outside the repository' };
  return { kind: 'local', path: normal === '' ? '.' : normal, anchor };
}

export function isMarkdownPath(path: string): boolean {
  return /\.(md|markdown)$/i.test(path);
}
