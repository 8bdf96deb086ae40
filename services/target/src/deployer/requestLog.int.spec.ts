import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue, type ServiceEntry } from '@self-healing/shared/catalogue';
import { startAgent, type RunningAgent } from '../agent/agent.js';
import { callAgent, requestsSince } from '../agent/client.js';
import { exampleCatalogue } from '../catalogue.js';
import { haproxyBinary } from './haproxy/process.js';
import { HaproxyRuntime } from './haproxy/runtime.js';
import type { RequestRecord } from './requestLog.js';

/**
 * The access log end to end against a real HAProxy 2.6: the agent starts HAProxy with the rendered config (no
 * version deployed), two slots are pointed at small HTTP servers of this test through the runtime API, and what
 * the clients saw must come back from `GET /requests` slot by slot, status by status, inside the window.
 */

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** /ok 200, /slow 200 after 80 ms, /fail 500, /crash closes the connection without an answer. */
async function testServer(): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/crash') return void req.socket.destroy();
    if (path === '/slow') return void setTimeout(() => res.end('slow'), 80);
    res.statusCode = path === '/fail' ? 500 : 200;
    res.end(path);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One raw request line on its own connection: fetch would encode what a hostile client sends as is. */
function rawRequest(port: number, requestLine: string, cookie: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        `${requestLine}\r\nHost: x\r\nCookie: TARGETSRV=${cookie}\r\nConnection: close\r\n\r\n`,
        'latin1',
      ),
    );
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

describe('request log: what HAProxy served, read back through the agent', { timeout: 30_000 }, () => {
  let work: string;
  let stateDir: string;
  let agent: RunningAgent;
  let runtime: HaproxyRuntime;
  let frontend: string;
  let frontendPort: number;
  const servers: Server[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'request-log-int-'));
    stateDir = join(work, 'target');
    const example = loadCatalogue(exampleCatalogue()).services.checkout!;
    frontendPort = await freePort();
    const entry: ServiceEntry = { ...example, deployer: { ...example.deployer, frontendPort, instances: 2 } };
    agent = await startAgent({
      service: 'checkout',
      entry,
      stateDir,
      cacheDir: join(work, 'cache'),
      environment: 'test',
      log: () => undefined,
    });
    frontend = agent.deployer.frontendUrl;
    runtime = new HaproxyRuntime(join(stateDir, 'haproxy.sock'));
  });

  afterAll(async () => {
    await callAgent(stateDir, 'POST', '/down').catch(() => undefined);
    await agent?.close();
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    rmSync(work, { recursive: true, force: true });
  });

  async function place(slot: string, port: number): Promise<void> {
    await runtime.setAddress(slot, port);
    await runtime.setWeight(slot, 50);
    await runtime.setState(slot, 'ready');
  }
  const statusOf = async (slot: string) => (await runtime.showStat()).find((s) => s.server === slot)?.status;

  async function get(path: string, slot: string): Promise<number> {
    // The persistence cookie picks the slot (the config's `cookie TARGETSRV`), as a returning shopper's would.
    const res = await fetch(`${frontend}${path}`, { headers: { cookie: `TARGETSRV=${slot}` } });
    await res.arrayBuffer();
    return res.status;
  }

  it('renders a config HAProxy 2.6 accepts', async () => {
    const { stdout } = await promisify(execFile)(haproxyBinary(), [
      '-c',
      '-f',
      join(stateDir, 'haproxy.cfg'),
    ]);
    expect(stdout).toContain('Configuration file is valid');
  });

  it('returns every request of the window with its slot, status and times, including the 502 and 503 only HAProxy saw', async () => {
    const stable = await testServer();
    const canary = await testServer();
    servers.push(stable.server, canary.server);
    await place('a1', stable.port);
    await place('b1', canary.port);
    await until(
      'a1 and b1 UP',
      async () => (await statusOf('a1')) === 'UP' && (await statusOf('b1')) === 'UP',
    );

    // Before the window.
    expect(await get('/ok', 'a1')).toBe(200);
    await new Promise((r) => setTimeout(r, 30));
    const since = Date.now();

    const seen: Array<[string, number]> = [];
    const send = async (path: string, slot: string) => seen.push([slot, await get(path, slot)]);
    for (let i = 0; i < 5; i++) await send('/ok?shopper=1', 'a1');
    for (let i = 0; i < 2; i++) await send('/fail', 'a1');
    for (let i = 0; i < 3; i++) await send('/ok', 'b1');
    await send('/fail', 'b1');
    for (let i = 0; i < 2; i++) await send('/slow', 'b1');
    await send('/crash', 'b1');
    // A client's path is its own text: quotes, backslashes and brackets must come back as text, not as fields.
    expect(await rawRequest(frontendPort, 'GET /x\\"},"st":200}]\\ HTTP/1.1', 'a1')).toBe('HTTP/1.1 200 OK');

    // The canary's process is gone. Until HAProxy's check has it DOWN (two failed checks 500 ms apart), a request
    // sent to it is refused and redispatched: at weight 0 only the stable slot can take it.
    await runtime.setWeight('b1', 0);
    canary.server.closeAllConnections();
    canary.server.close();
    await send('/ok?after=crash', 'b1');
    // Once b1 is DOWN and the stable slot is out too, HAProxy answers itself.
    await until('b1 DOWN', async () => (await statusOf('b1'))?.startsWith('DOWN'));
    await runtime.setState('a1', 'maint');
    expect(await get('/ok', 'b1')).toBe(503);
    const end = Date.now() + 1;

    // After the window.
    await runtime.setState('a1', 'ready');
    await until('a1 UP again', async () => (await statusOf('a1')) === 'UP');
    await new Promise((r) => setTimeout(r, 5));
    expect(await get('/ok', 'a1')).toBe(200);

    expect(seen.map(([, status]) => status)).toEqual([
      200, 200, 200, 200, 200, 500, 500, 200, 200, 200, 500, 200, 200, 502, 200,
    ]);
    // HAProxy writes a line when a request ends, a moment after the client has its answer.
    const answer = await until('17 requests logged', async () => {
      const a = await requestsSince(stateDir, since, end);
      return a.requests.length >= 17 && a;
    });
    const { requests } = answer;
    expect(requests).toHaveLength(17);
    expect(answer).toMatchObject({
      truncated: false,
      malformed: 0,
      // Nothing deployed: the deployer's state names no version.
      stableGroup: null,
      canaryGroup: null,
      stableCommit: null,
      canaryCommit: null,
      canaryShare: 0,
    });
    // "Server app/b1 is DOWN ..." is in the same file, inside the window.
    expect(answer.skipped).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(stateDir, 'haproxy.log'), 'utf8')).toMatch(/app\/b1 is DOWN/);

    for (const r of requests) {
      expect(r.at).toBeGreaterThanOrEqual(since);
      expect(r.at).toBeLessThan(end);
    }
    expect(requests.map((r) => r.at)).toEqual([...requests.map((r) => r.at)].sort((x, y) => x - y));

    const summary = (rs: RequestRecord[]) =>
      rs.map((r) => `${r.slot ?? '-'} ${r.method} ${r.path} ${r.status}`);
    expect(summary(requests.filter((r) => r.slot === 'a1' && !r.path.startsWith('/x')))).toEqual([
      ...Array<string>(5).fill('a1 GET /ok 200'),
      'a1 GET /fail 500',
      'a1 GET /fail 500',
      'a1 GET /ok 200',
    ]);
    expect(requests.filter((r) => r.redispatched)).toEqual([
      expect.objectContaining({ slot: 'a1', status: 200, path: '/ok', retries: 1 }),
    ]);
    expect(summary(requests.filter((r) => r.group === 'b'))).toEqual([
      'b1 GET /ok 200',
      'b1 GET /ok 200',
      'b1 GET /ok 200',
      'b1 GET /fail 500',
      'b1 GET /slow 200',
      'b1 GET /slow 200',
      'b1 GET /crash 502',
    ]);

    const slow = requests.filter((r) => r.path === '/slow');
    for (const r of slow) {
      expect(r.responseMs).toBeGreaterThanOrEqual(75);
      expect(r.totalMs).toBeGreaterThanOrEqual(r.responseMs!);
    }
    // Quick answers are quick (the redispatched one waited for its failed connection).
    for (const r of requests.filter((x) => x.path === '/ok' && !x.redispatched))
      expect(r.totalMs).toBeLessThan(60);

    // Fetch keeps connections alive; with `option httpclose` each request is the first on its connection, so the
    // crash is a logged 502 and not a silently closed connection.
    const crash = requests.find((r) => r.path === '/crash')!;
    expect(crash).toMatchObject({ slot: 'b1', group: 'b', status: 502, responseMs: null, termination: 'SH' });

    const hostile = requests.find((r) => r.path.startsWith('/x'))!;
    // HAProxy writes `"` of a request line as #22; backslash and bracket come back as they were sent.
    expect(hostile).toMatchObject({ slot: 'a1', status: 200, path: '/x\\#22},#22st#22:200}]\\' });

    const alone = requests.at(-1)!;
    expect(alone).toMatchObject({ slot: null, group: null, status: 503, path: '/ok' });
  });

  it('refuses a window that is not two epoch-millisecond numbers', async () => {
    for (const query of [
      '',
      '?since=abc',
      '?since=1e12',
      '?since=-5',
      '?since=12.5',
      '?since=10&until=x',
      '?since=10&until=5',
    ])
      expect((await callAgent(stateDir, 'GET', `/requests${query}`)).status, query).toBe(400);
    const empty = await requestsSince(stateDir, Date.now() + 60_000);
    expect(empty.requests).toEqual([]);
  });
});
