// A small JSON client over fetch for forges whose API is not GitHub's (Gitea): the token goes in a header, error
// answers become ForgeHttpError with the server's message (never the token), and callers decide per status which
// answers are results (404 → undefined, 409 → "exists").
import { ForgeHttpError } from './types.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type JsonResponse<T> = { status: number; data: T };

export class JsonHttp {
  constructor(
    private readonly apiBase: string,
    private readonly headers: Record<string, string>,
    private readonly fetchImpl: FetchLike = (i, init) => fetch(i, init),
    private readonly timeoutMs = 30_000,
  ) {}

  /** Answers with status and parsed body for 2xx and for the statuses listed in `accept`; throws otherwise. */
  async request<T>(
    method: string,
    path: string,
    opts: { query?: Record<string, string | number | undefined>; body?: unknown; accept?: number[] } = {},
  ): Promise<JsonResponse<T>> {
    const url = new URL(this.apiBase.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await this.fetchImpl(url.toString(), {
      method,
      headers: {
        accept: 'application/json',
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...this.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    let data: unknown = undefined;
    if (text !== '') {
      try {
        data = JSON.parse(text);
      } catch {
        data = text;
      }
    }
    if (res.ok || opts.accept?.includes(res.status)) return { status: res.status, data: data as T };
    throw new ForgeHttpError(res.status, method, path, serverMessage(data));
  }
}

/** Gitea and GitHub both answer errors as `{message: ...}`; anything else is shown shortened. */
export function serverMessage(data: unknown): string {
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { message?: unknown }).message === 'string'
  ) {
    return (data as { message: string }).message;
  }
  if (typeof data === 'string') return data.slice(0, 300);
  return data === undefined ? '' : JSON.stringify(data).slice(0, 300);
}

/** `a/b c` → `a/b%20c`: each segment encoded, the slashes kept (Gitea routes branch and file paths that way). */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

export const seg = encodeURIComponent;
