/**
 * What to replay: the incident's routes and their request mix when its evidence names them, else the application's
 * benchmark mix. Evidence routes come from logs and are attacker-influenced, so they only ever select a recipe of the
 * application profile (or, for a parameterless GET/HEAD, are replayed as the fixed path they are); nothing else is
 * built from their text, and a method or path outside the strict grammar is dropped.
 */

export const REPLAY_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type ReplayMethod = (typeof REPLAY_METHODS)[number];

/** One HTTP request of a replay. Comes from an application profile (our code), never from evidence text. */
export interface RequestSpec {
  method: ReplayMethod;
  /** Path template: `/segment/...`, `:name` segments filled from `params` or from values bound by a setup step. */
  path: string;
  /** Fixed query string without `?`, e.g. `limit=10`. */
  query?: string;
  headers?: Record<string, string>;
  /** JSON body; a string that is exactly `{{name}}` is replaced by the bound value of `name`. */
  body?: unknown;
  /** Fixed parameter values, e.g. a product that exists in the seed data. */
  params?: Record<string, string>;
}

/** A setup request whose JSON answer binds parameters: `bind: { id: 'id' }` takes the top-level field `id`. */
export interface SetupStep extends RequestSpec {
  bind?: Record<string, string>;
}

export interface ReplayRoute {
  /** `METHOD /template`, the name results are reported under. */
  name: string;
  /** Share of the mix, summing to 1 over a plan. */
  share: number;
  request: RequestSpec;
  /**
   * Requests that create what the route needs, run outside the timings on each side: `once` before the replay
   * (values shared by all its requests), `each` before every measured request (a fresh cart per checkout).
   */
  setup?: { once?: SetupStep[]; each?: SetupStep[] };
}

/** The per-application table: how to call each route it has, and the benchmark mix to use without evidence. */
export interface AppProfile {
  name: string;
  recipes: Omit<ReplayRoute, 'share'>[];
  /** Route names of the benchmark mix with their weights. */
  benchmark: { name: string; weight: number }[];
}

export interface ReplayEvidence {
  routes: Array<{ method: string; path: string; share: number }>;
}

export interface ReplayPlan {
  source: 'evidence' | 'benchmark';
  routes: ReplayRoute[];
  /** Evidence routes left out and why (their text shortened and quoted, for the report only). */
  dropped: Array<{ route: string; reason: string }>;
}

const SEGMENT = /^(?:[A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]{0,39})$/;
const MAX_PATH = 200;
const MAX_SEGMENTS = 16;
const MAX_EVIDENCE_ROUTES = 50;

/** The segments of a path in the replay grammar, or null: `/`, or `/seg/...` of unreserved characters and `:param`. */
export function pathSegments(path: string): string[] | null {
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH || !path.startsWith('/'))
    return null;
  if (path === '/') return [];
  const segments = path.slice(1).split('/');
  if (segments.length > MAX_SEGMENTS) return null;
  // `.` and `..` are unreserved characters but would be dot-segments: never replayed.
  if (!segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) return null;
  return segments;
}

export function isReplayMethod(method: unknown): method is ReplayMethod {
  return typeof method === 'string' && (REPLAY_METHODS as readonly string[]).includes(method);
}

export function replayPlan(evidence: ReplayEvidence | null | undefined, profile: AppProfile): ReplayPlan {
  const dropped: ReplayPlan['dropped'] = [];
  const weights = new Map<string, { route: Omit<ReplayRoute, 'share'>; weight: number }>();
  const evidenceRoutes = Array.isArray(evidence?.routes) ? evidence.routes : [];
  for (const [i, raw] of evidenceRoutes.entries()) {
    if (i >= MAX_EVIDENCE_ROUTES) {
      dropped.push({ route: '…', reason: `more than ${MAX_EVIDENCE_ROUTES} routes; the rest ignored` });
      break;
    }
    const label = quote(`${String(raw?.method)} ${String(raw?.path)}`);
    const method = typeof raw?.method === 'string' ? raw.method.toUpperCase() : raw?.method;
    if (!isReplayMethod(method)) {
      dropped.push({ route: label, reason: `method not one of ${REPLAY_METHODS.join(', ')}` });
      continue;
    }
    const segments = pathSegments(raw.path);
    if (!segments) {
      dropped.push({ route: label, reason: 'path outside the replay grammar (/segment/... or :param)' });
      continue;
    }
    const share =
      typeof raw.share === 'number' && Number.isFinite(raw.share) && raw.share > 0 ? raw.share : 0;
    const recipe = matchRecipe(method, segments, profile);
    const route: Omit<ReplayRoute, 'share'> | null = recipe
      ? recipe
      : !segments.some(isParam) && (method === 'GET' || method === 'HEAD')
        ? // Rebuilt from the checked segments, not copied from the evidence text.
          { name: `${method} /${segments.join('/')}`, request: { method, path: `/${segments.join('/')}` } }
        : null;
    if (!route) {
      dropped.push({ route: label, reason: `no recipe in the ${profile.name} profile for this route` });
      continue;
    }
    const entry = weights.get(route.name) ?? { route, weight: 0 };
    entry.weight += share;
    weights.set(route.name, entry);
  }
  if (weights.size > 0) return { source: 'evidence', routes: normalize([...weights.values()]), dropped };

  const byName = new Map(profile.recipes.map((r) => [r.name, r]));
  const mix = profile.benchmark.flatMap(({ name, weight }) => {
    const route = byName.get(name);
    return route ? [{ route, weight }] : [];
  });
  return { source: 'benchmark', routes: normalize(mix), dropped };
}

/** The recipe whose template matches the path, literal segments preferred over parameters. */
function matchRecipe(
  method: ReplayMethod,
  segments: string[],
  profile: AppProfile,
): Omit<ReplayRoute, 'share'> | null {
  let best: { recipe: Omit<ReplayRoute, 'share'>; params: number } | null = null;
  for (const recipe of profile.recipes) {
    if (recipe.request.method !== method) continue;
    const template = pathSegments(recipe.request.path);
    if (!template || template.length !== segments.length) continue;
    if (!template.every((t, i) => t === segments[i] || isParam(t) || isParam(segments[i]!))) continue;
    const params = template.filter(isParam).length;
    if (!best || params < best.params) best = { recipe, params };
  }
  return best?.recipe ?? null;
}

function normalize(entries: { route: Omit<ReplayRoute, 'share'>; weight: number }[]): ReplayRoute[] {
  const total = entries.reduce((s, e) => s + e.weight, 0);
  // Evidence without usable shares: an even mix of its routes.
  return entries.map(({ route, weight }) => ({
    ...route,
    share: total > 0 ? weight / total : 1 / entries.length,
  }));
}

const isParam = (segment: string) => segment.startsWith(':');

function quote(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 80 ? `${clean.slice(0, 80)}…` : clean);
}
