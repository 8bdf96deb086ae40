/**
 * One unit per quantity: durations in milliseconds, sizes in bytes. Numbers come from record attributes whose
 * key names the quantity and, by suffix, its unit (`db_time_us`, `payload_kb`, ECS `event.duration` in
 * nanoseconds). Unsuffixed duration fields are read as milliseconds (pino-http `responseTime`, morgan, most
 * app loggers), except nginx's `request_time` and `upstream_response_time`, which are seconds.
 */

const DURATION_UNITS: [RegExp, number][] = [
  [/(?:[_.-]?(?:ns|nanos|nanoseconds?)|Ns|Nanos)$/, 1e-6],
  [/(?:[_.-]?(?:us|micros|microseconds?)|Us|Micros)$/, 1e-3],
  [/(?:[_.-]?(?:ms|millis|milliseconds?)|Ms|Millis)$/, 1],
  [/(?:[_.-](?:s|secs?|seconds?)|Secs?|Seconds)$/, 1000],
];
const SIZE_UNITS: [RegExp, number][] = [
  [/(?:[_.-]?(?:gb|gib)|Gb|GB)$/, 1024 ** 3],
  [/(?:[_.-]?(?:mb|mib)|Mb|MB)$/, 1024 ** 2],
  [/(?:[_.-]?(?:kb|kib)|Kb|KB)$/, 1024],
  [/(?:[_.-]?bytes?|Bytes?)$/, 1],
];

/** Keys that are a duration although they carry no unit; the value is the factor to ms. */
const UNSUFFIXED_DURATIONS: Record<string, number> = {
  duration: 1,
  responsetime: 1,
  elapsed: 1,
  latency: 1,
  took: 1,
  timetaken: 1,
  elapsedtime: 1,
  'event.duration': 1e-6,
  requesttime: 1000,
  upstreamresponsetime: 1000,
  'http.server.request.duration': 1000,
  'http.client.request.duration': 1000,
};
const UNSUFFIXED_SIZES = new Set([
  'size',
  'contentlength',
  'http.response.body.size',
  'http.request.body.size',
  'length',
  'bodybytessent',
]);

/** Duration names that all mean "how long this request/operation took": the one the aggregator sketches. */
const PRIMARY_DURATIONS = new Set([
  'duration',
  'responsetime',
  'elapsed',
  'latency',
  'took',
  'timetaken',
  'elapsedtime',
  'requesttime',
  'eventduration',
  'httpserverrequestduration',
  'httpclientrequestduration',
  'responsetimems',
]);

function compact(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

function camel(key: string): string {
  const words = key.split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}

function numeric(value: string | number | boolean): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** Converts one attribute to a normalized quantity `{ name, value }`, or null when it is not a known quantity. */
export function quantityFromAttribute(
  key: string,
  value: string | number | boolean,
): { name: string; value: number } | null {
  const n = numeric(value);
  if (n === null || n < 0) return null;
  const lower = key.toLowerCase();
  const unsuffixed = UNSUFFIXED_DURATIONS[lower] ?? UNSUFFIXED_DURATIONS[compact(lower)];
  if (unsuffixed !== undefined) {
    const base = compact(lower.replace(/\./g, ''));
    return { name: PRIMARY_DURATIONS.has(base) ? 'durationMs' : `${camel(key)}Ms`, value: n * unsuffixed };
  }
  for (const [suffix, factor] of DURATION_UNITS) {
    const m = suffix.exec(key);
    if (!m || m.index === 0) continue;
    const base = key.slice(0, m.index);
    if (
      !/(time|duration|latency|elapsed|took|wait|delay|ttl|timeout|age|uptime)/i.test(base) &&
      !/ms$|Ms$/.test(key)
    ) {
      // `_s` and friends are only read as a unit when the name says it is a time; `*_ms` always is.
      if (factor !== 1) continue;
    }
    return {
      name: PRIMARY_DURATIONS.has(compact(base.replace(/\./g, ''))) ? 'durationMs' : `${camel(base)}Ms`,
      value: n * factor,
    };
  }
  for (const [suffix, factor] of SIZE_UNITS) {
    const m = suffix.exec(key);
    if (!m || m.index === 0) continue;
    return { name: `${camel(key.slice(0, m.index))}Bytes`, value: n * factor };
  }
  if (UNSUFFIXED_SIZES.has(lower) || UNSUFFIXED_SIZES.has(compact(lower)))
    return { name: `${camel(key)}Bytes`, value: n };
  return null;
}

/**
 * Normalized numbers of a record: quantities from attributes, then numbers the message text yields
 * (already in ms/bytes) where the attributes had none of that name.
 */
export function normalizeNumbers(
  attributes: Record<string, string | number | boolean>,
  fromMessage: Record<string, number> = {},
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(attributes).sort()) {
    const q = quantityFromAttribute(key, attributes[key]!);
    if (q && !(q.name in out)) out[q.name] = q.value;
  }
  for (const [name, value] of Object.entries(fromMessage)) {
    if (!(name in out) && Number.isFinite(value)) out[name] = value;
  }
  return out;
}
