import type { IncomingMessage } from 'node:http';
import type { Logger } from '../observability/logger.js';

export interface RequestContext {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  traceId: string;
  /** The route template, e.g. `GET /cart/:id`: the same for every request of the route. */
  route: string;
  log: Logger;
}

export interface Reply {
  status: number;
  body?: unknown;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: Handler;
}

/** A small path router: literal segments and `:name` parameters, no wildcards. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: Handler): this {
    this.routes.push({ method, template, segments: template.split('/').filter(Boolean), handler });
    return this;
  }

  /** The matching route, or the methods allowed on the path when only the method is wrong. */
  match(
    method: string,
    path: string,
  ): { route: string; handler: Handler; params: Record<string, string> } | { allowed: string[] } {
    const parts = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      return { route: `${route.method} ${route.template}`, handler: route.handler, params };
    }
    return { allowed };
  }
}

function matchSegments(segments: string[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith(':')) {
      try {
        params[segment.slice(1)] = decodeURIComponent(part);
      } catch {
        return null;
      }
    } else if (segment !== part) {
      return null;
    }
  }
  return params;
}
