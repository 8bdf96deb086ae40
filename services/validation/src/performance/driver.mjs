#!/usr/bin/env node
// Replay driver: runs INSIDE the validation sandbox as `node driver.mjs <config.json>`, so it is plain JavaScript
// with node: builtins only (the sandbox has no node_modules of ours and only loopback networking).
//
// It starts the base and the patched build of the application, waits until both answer HTTP on their loopback
// ports, creates what each route needs (setup requests, outside the timings), then sends the request mix to both
// builds interleaved: every measured request goes to both sides back to back, the order within the pair drawn at
// random, the pairs shuffled across routes, a warm-up per route discarded. Interleaving puts both builds under the
// same machine load at the same moments, which matters on a shared 2-core machine far more than sample count.
// One JSON result file: per route and side the latencies (ms), status counts, errors (5xx, transport failures,
// timeouts, failed setups).
//
// Config (JSON; see config.ts in this folder, which writes it):
//   sides: { base: { cwd, command: [argv...], port }, patched: { ... } }   command runs without a shell
//   env: { NAME: value }        added to both sides' environment (besides PATH, NODE_ENV=production, PORT, HOST)
//   host ("127.0.0.1"), readyPath ("/healthz"; any HTTP answer counts as ready), startTimeoutMs (30000)
//   routes: [{ name, share, request: { method, path, query?, headers?, body?, params? }, setup?: { once?, each? } }]
//   samplesPerRoute (200, minimum per route; shares above it scale up), warmupPerRoute (20)
//   timeBudgetMs (180000; the replay stops there and says truncated), requestTimeoutMs (10000), seed (1)
//   out: result file path; logDir: optional folder for each side's stdout/stderr (else discarded)
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const SEGMENT = /^(?:[A-Za-z0-9._~-]+|:[A-Za-z][A-Za-z0-9_]{0,39})$/;
const SIDES = ['base', 'patched'];
const MAX_BODY = 1 << 20;

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node driver.mjs <config.json>\n');
  process.exit(2);
}
const config = readConfig(JSON.parse(readFileSync(configPath, 'utf8')));
const children = new Map();

main().then(
  (code) => shutdown(code),
  (error) => {
    process.stderr.write(`replay driver failed: ${error?.stack ?? error}\n`);
    shutdown(1);
  },
);
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => shutdown(130));

async function main() {
  const startedAt = new Date();
  const started = performance.now();
  const deadline = started + config.timeBudgetMs;
  const result = {
    version: 1,
    node: process.version,
    startedAt: startedAt.toISOString(),
    durationMs: 0,
    truncated: false,
    aborted: null,
    samplesPerRoute: config.samplesPerRoute,
    warmupPerRoute: config.warmupPerRoute,
    routes: config.routes.map((r) => ({
      name: r.name,
      share: r.share,
      base: emptySide(),
      patched: emptySide(),
    })),
    processes: {},
  };
  const write = () => {
    result.durationMs = Math.round(performance.now() - started);
    for (const side of SIDES) {
      const child = children.get(side);
      result.processes[side] = { exitCode: child?.exitCode ?? null, stderrTail: child?.stderrTail ?? '' };
    }
    writeFileSync(config.out, JSON.stringify(result));
  };

  try {
    for (const side of SIDES) startSide(side);
    await Promise.all(SIDES.map((side) => waitReady(side, performance.now() + config.startTimeoutMs)));

    const random = mulberry32(config.seed);
    // Values from `once` setups, per route and side.
    const shared = config.routes.map(() => ({ base: null, patched: null }));
    for (const [i, route] of config.routes.entries())
      for (const side of SIDES) shared[i][side] = await runSetup(side, route.setup?.once ?? [], {});

    // The schedule: warm-up pairs of every route first (shuffled), then the measured pairs (shuffled).
    const counts = config.routes.map((r) =>
      Math.max(config.samplesPerRoute, Math.round(r.share * config.samplesPerRoute * config.routes.length)),
    );
    const warmup = shuffle(
      config.routes.flatMap((_, i) => Array.from({ length: config.warmupPerRoute }, () => i)),
      random,
    );
    const measured = shuffle(
      counts.flatMap((n, i) => Array.from({ length: n }, () => i)),
      random,
    );
    const schedule = [
      ...warmup.map((i) => ({ i, warm: true })),
      ...measured.map((i) => ({ i, warm: false })),
    ];

    // `each` setups are made before any timing (as the application's bench does), so that setup traffic does not
    // sit between the two requests of a pair.
    for (const item of schedule) {
      const route = config.routes[item.i];
      if (!route.setup?.each?.length) continue;
      if (performance.now() > deadline) break;
      item.values = {};
      for (const side of SIDES)
        item.values[side] =
          shared[item.i][side] && (await runSetup(side, route.setup.each, shared[item.i][side]));
    }

    for (const item of schedule) {
      if (performance.now() > deadline) {
        result.truncated = true;
        break;
      }
      const route = config.routes[item.i];
      const order = random() < 0.5 ? SIDES : [...SIDES].reverse();
      for (const side of order) {
        const stats = result.routes[item.i][side];
        const values = route.setup?.each?.length ? item.values?.[side] : shared[item.i][side];
        if (!values) {
          // The setup failed (or was never reached): the build could not serve this request at all.
          if (!item.warm) {
            stats.errors++;
            stats.setupFailures++;
          }
          continue;
        }
        const outcome = await send(side, route.request, values);
        if (item.warm) continue;
        stats.requests++;
        const key = outcome.status === 0 ? 'failed' : String(outcome.status);
        stats.statuses[key] = (stats.statuses[key] ?? 0) + 1;
        if (outcome.status === 0 || outcome.status >= 500) stats.errors++;
        else stats.latenciesMs.push(Math.round(outcome.ms * 1000) / 1000);
      }
      if (SIDES.some((side) => children.get(side)?.exitCode !== null)) {
        result.aborted = `the ${SIDES.find((s) => children.get(s)?.exitCode !== null)} build exited during the replay`;
        break;
      }
    }
  } catch (error) {
    result.aborted = String(error?.message ?? error).slice(0, 500);
  }
  write();
  if (result.aborted) process.stderr.write(`replay aborted: ${result.aborted}\n`);
  return result.aborted ? 1 : 0;
}

function emptySide() {
  return { requests: 0, errors: 0, setupFailures: 0, statuses: {}, latenciesMs: [] };
}

function startSide(side) {
  const { cwd, command, port } = config.sides[side];
  const output = config.logDir ? openLog(side) : 'ignore';
  const child = spawn(command[0], command.slice(1), {
    cwd,
    shell: false,
    stdio: ['ignore', output, 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      NODE_ENV: 'production',
      ...config.env,
      PORT: String(port),
      HOST: config.host,
    },
  });
  if (typeof output === 'number') closeSync(output);
  const entry = {
    child,
    exitCode: null,
    stderrTail: '',
    agent: new Agent({ keepAlive: true, maxSockets: 1 }),
  };
  child.stderr.on('data', (chunk) => {
    entry.stderrTail = (entry.stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  child.on('exit', (code, signal) => {
    entry.exitCode = code ?? (signal ? `signal ${signal}` : -1);
  });
  child.on('error', (error) => {
    entry.exitCode = -1;
    entry.stderrTail += `\nspawn failed: ${error.message}`;
  });
  children.set(side, entry);
}

function openLog(side) {
  mkdirSync(config.logDir, { recursive: true });
  return openSync(join(config.logDir, `${side}.log`), 'a');
}

async function waitReady(side, deadline) {
  const path = config.readyPath;
  for (;;) {
    const entry = children.get(side);
    if (entry.exitCode !== null)
      throw new Error(
        `the ${side} build exited (${entry.exitCode}) before listening: ${entry.stderrTail.slice(-500)}`,
      );
    const outcome = await send(side, { method: 'GET', path }, {}, 1000);
    if (outcome.status > 0) return;
    if (performance.now() > deadline)
      throw new Error(`the ${side} build did not answer on port ${config.sides[side].port} in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs setup steps in order; returns the bound values, or null when a step failed. */
async function runSetup(side, steps, initial) {
  const values = { ...initial };
  for (const step of steps) {
    const outcome = await send(side, step, values, config.requestTimeoutMs, true);
    if (outcome.status < 200 || outcome.status >= 300) return null;
    for (const [name, field] of Object.entries(step.bind ?? {})) {
      const value = outcome.json?.[field];
      if (typeof value !== 'string' && typeof value !== 'number') return null;
      values[name] = String(value);
    }
  }
  return values;
}

/** One request; resolves with status (0 when it failed), elapsed ms to the last byte, and JSON when asked. */
function send(side, spec, values, timeoutMs = config.requestTimeoutMs, wantJson = false) {
  let path;
  let body;
  try {
    path = fillPath(spec.path, { ...spec.params, ...values }) + (spec.query ? `?${spec.query}` : '');
    body = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(fillBody(spec.body, values)));
  } catch (error) {
    return Promise.resolve({ status: 0, ms: 0, error: error.message });
  }
  const entry = children.get(side);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = httpRequest(
      {
        host: config.host,
        port: config.sides[side].port,
        method: spec.method,
        path,
        agent: entry.agent,
        headers: { ...spec.headers, ...(body ? { 'content-length': body.length } : {}) },
      },
      (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (chunk) => {
          size += chunk.length;
          if (wantJson && size <= MAX_BODY) chunks.push(chunk);
        });
        res.on('end', () => {
          const ms = performance.now() - t0;
          let json;
          if (wantJson && size <= MAX_BODY) {
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, ms, json });
        });
        res.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ status: 0, ms: performance.now() - t0, error: error.message }));
    req.end(body);
  });
}

function fillPath(template, values) {
  if (template === '/') return '/';
  return (
    '/' +
    template
      .slice(1)
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment;
        const value = values[segment.slice(1)];
        if (value === undefined) throw new Error(`no value for ${segment}`);
        return encodeURIComponent(value);
      })
      .join('/')
  );
}

function fillBody(body, values) {
  if (typeof body === 'string') {
    const m = /^\{\{([A-Za-z][A-Za-z0-9_]*)\}\}$/.exec(body);
    if (!m) return body;
    if (values[m[1]] === undefined) throw new Error(`no value for {{${m[1]}}}`);
    return values[m[1]];
  }
  if (Array.isArray(body)) return body.map((b) => fillBody(b, values));
  if (body && typeof body === 'object')
    return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fillBody(v, values)]));
  return body;
}

function shuffle(items, random) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A small seeded generator, so a replay's order can be repeated. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shutdown(code) {
  const alive = [...children.values()].filter((e) => e.exitCode === null);
  for (const entry of alive) {
    entry.agent.destroy();
    entry.child.kill('SIGTERM');
  }
  if (alive.length === 0) process.exit(code);
  const force = setTimeout(() => {
    for (const entry of alive) if (entry.exitCode === null) entry.child.kill('SIGKILL');
    process.exit(code);
  }, 3000);
  let pending = alive.length;
  for (const entry of alive)
    entry.child.once('exit', () => {
      if (--pending === 0) {
        clearTimeout(force);
        process.exit(code);
      }
    });
}

/** Checks the config's shape: it is written by our code, but a mistake should fail here and not mid-replay. */
function readConfig(raw) {
  const fail = (message) => {
    throw new Error(`invalid replay config: ${message}`);
  };
  const int = (value, fallback, min, max) => {
    const v = value ?? fallback;
    if (!Number.isInteger(v) || v < min || v > max) fail(`expected an integer in [${min}, ${max}], got ${v}`);
    return v;
  };
  const sides = {};
  for (const side of SIDES) {
    const s = raw?.sides?.[side];
    if (typeof s?.cwd !== 'string' || !Array.isArray(s.command) || s.command.length === 0)
      fail(`sides.${side} needs cwd and command`);
    if (!s.command.every((a) => typeof a === 'string')) fail(`sides.${side}.command must be strings`);
    sides[side] = { cwd: s.cwd, command: s.command, port: int(s.port, undefined, 1, 65535) };
  }
  if (sides.base.port === sides.patched.port) fail('the two sides need different ports');
  if (!Array.isArray(raw.routes) || raw.routes.length === 0) fail('routes must be a non-empty array');
  const checkSpec = (spec, where) => {
    if (!METHODS.has(spec?.method)) fail(`${where}: method ${spec?.method}`);
    const segments = spec.path === '/' ? [] : String(spec.path).slice(1).split('/');
    if (
      !String(spec.path).startsWith('/') ||
      !segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')
    )
      fail(`${where}: path ${spec.path}`);
    if (spec.query !== undefined && !/^[A-Za-z0-9._~=&%-]*$/.test(spec.query)) fail(`${where}: query`);
  };
  for (const [i, route] of raw.routes.entries()) {
    if (typeof route?.name !== 'string') fail(`routes[${i}].name`);
    checkSpec(route.request, `routes[${i}].request`);
    for (const kind of ['once', 'each'])
      for (const [j, step] of (route.setup?.[kind] ?? []).entries())
        checkSpec(step, `routes[${i}].setup.${kind}[${j}]`);
  }
  if (typeof raw.out !== 'string') fail('out must be a file path');
  const env = {};
  for (const [k, v] of Object.entries(raw.env ?? {})) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(k) || typeof v !== 'string') fail(`env ${k}`);
    env[k] = v;
  }
  return {
    sides,
    env,
    host: typeof raw.host === 'string' ? raw.host : '127.0.0.1',
    readyPath:
      raw.readyPath === undefined
        ? '/healthz'
        : (checkSpec({ method: 'GET', path: raw.readyPath }, 'readyPath'), raw.readyPath),
    startTimeoutMs: int(raw.startTimeoutMs, 30_000, 100, 600_000),
    routes: raw.routes.map((r) => ({
      ...r,
      share: Number.isFinite(r.share) && r.share > 0 ? r.share : 1 / raw.routes.length,
    })),
    samplesPerRoute: int(raw.samplesPerRoute, 200, 1, 100_000),
    warmupPerRoute: int(raw.warmupPerRoute, 20, 0, 10_000),
    timeBudgetMs: int(raw.timeBudgetMs, 180_000, 100, 3_600_000),
    requestTimeoutMs: int(raw.requestTimeoutMs, 10_000, 10, 600_000),
    seed: int(raw.seed, 1, 0, 2 ** 32 - 1),
    out: raw.out,
    logDir: typeof raw.logDir === 'string' ? raw.logDir : null,
  };
}
