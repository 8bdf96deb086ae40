import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseRequestLine, readRequestsSince, type RequestRecord } from './requestLog.js';

/** A line as HAProxy 2.6 writes it with REQUEST_LOG_FORMAT (strings already escaped the way HAProxy does). */
function line(f: {
  t: number;
  th?: number;
  ti?: number;
  ta?: number;
  tr?: number;
  ts?: string;
  rc?: string;
  srv?: string;
  st?: number;
  m?: string;
  p?: string;
}): string {
  return (
    `{"hx":1,"t":${f.t},"th":${f.th ?? 0},"ti":${f.ti ?? 0},"ta":${f.ta ?? 3},"tr":${f.tr ?? 2},` +
    `"ts":"${f.ts ?? '--'}","rc":"${f.rc ?? '0'}","srv":"${f.srv ?? 'a1'}","st":${f.st ?? 200},"m":"${f.m ?? 'GET'}","p":"${f.p ?? '/'}"}`
  );
}

describe('parseRequestLine', () => {
  it('reads a request HAProxy passed to a slot', () => {
    // Copied from a real HAProxy 2.6 log.
    const real =
      '{"hx":1,"t":1796478961965,"th":0,"ti":0,"ta":3,"tr":3,"ts":"--","rc":"0","srv":"b2","st":200,"m":"GET","p":"/products"}';
    expect(parseRequestLine(real)).toEqual<RequestRecord>({
      at: 1796478961965,
      slot: 'b2',
      group: 'b',
      status: 200,
      totalMs: 3,
      responseMs: 3,
      method: 'GET',
      path: '/products',
      termination: '--',
      retries: 0,
      redispatched: false,
    });
  });

  it('dates a keep-alive request from its first byte: accept date plus handshake and idle time', () => {
    const r = parseRequestLine(line({ t: 1_000_000, th: 2, ti: 750, ta: 12 }));
    expect(r?.at).toBe(1_000_752);
    expect(r?.totalMs).toBe(12);
  });

  it('keeps the answers HAProxy gave without a server, with no slot', () => {
    // Copied from a real log: the server closed the connection without answering.
    const crash =
      '{"hx":1,"t":1796479586600,"th":0,"ti":0,"ta":0,"tr":-1,"ts":"SH","rc":"0","srv":"b1","st":502,"m":"GET","p":"/crash"}';
    expect(parseRequestLine(crash)).toMatchObject({ slot: 'b1', group: 'b', status: 502, responseMs: null });
    const noServer = parseRequestLine(line({ t: 5000, srv: '<NOSRV>', st: 503, tr: -1, ts: 'SC' }));
    expect(noServer).toMatchObject({
      slot: null,
      group: null,
      status: 503,
      responseMs: null,
      termination: 'SC',
    });
    const bad = parseRequestLine(
      '{"hx":1,"t":1796478970713,"th":0,"ti":0,"ta":0,"tr":-1,"ts":"PR","rc":"0","srv":"<NOSRV>","st":400,"m":"<BADREQ>","p":"<BADREQ>"}',
    );
    expect(bad).toMatchObject({ slot: null, status: 400, method: '<BADREQ>', path: '<BADREQ>' });
  });

  it('turns -1 timers into null or zero, and a client that left before the answer into a null status', () => {
    const r = parseRequestLine(line({ t: 9000, th: -1, ti: -1, tr: -1, st: -1, ts: 'CD', ta: 40 }));
    expect(r).toMatchObject({ at: 9000, responseMs: null, status: null, totalMs: 40, termination: 'CD' });
  });

  it('tells a request redispatched after failed connections from one served at the first attempt', () => {
    // Copied from a real log: the canary's process was gone, the stable slot took the request after 1 s.
    const real =
      '{"hx":1,"t":1796479586604,"th":0,"ti":0,"ta":1002,"tr":1,"ts":"--","rc":"+1","srv":"a1","st":200,"m":"GET","p":"/ok"}';
    expect(parseRequestLine(real)).toMatchObject({
      slot: 'a1',
      totalMs: 1002,
      retries: 1,
      redispatched: true,
    });
    expect(parseRequestLine(line({ t: 1, rc: '+1' }))).toMatchObject({ retries: 1, redispatched: true });
    expect(parseRequestLine(line({ t: 1, rc: '3', st: 503, srv: '<NOSRV>' }))).toMatchObject({
      retries: 3,
      redispatched: false,
    });
  });

  it('drops the query string', () => {
    expect(parseRequestLine(line({ t: 1, p: '/orders/42?token=secret' }))?.path).toBe('/orders/42');
  });

  it("returns null for HAProxy's own messages and for lines that are not whole, valid records", () => {
    const bad = [
      '',
      '[NOTICE]   (4242) : New worker (4243) forked',
      'Server app/a1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms.',
      '{"hx":1,"t":1796478961965,"th":0,"ti":0,"ta":3,"tr":3,"ts":"--","rc":"0","srv":"a1","st":2', // cut short
      '{"hx":1,"t":"1796478961965"}',
      line({ t: 1 }).replace('"hx":1,"t"', '"hx":1,"hx":2,"t"'), // the last duplicate key wins
      line({ t: -5 }),
      line({ t: 1.5 }),
      line({ t: 1, ta: -1 }),
      line({ t: 1, tr: -2 }),
      line({ t: 1, st: 99 }),
      line({ t: 1, st: 600 }),
      line({ t: 1, srv: 'd1' }),
      line({ t: 1, srv: 'a1 ' }),
      line({ t: 1, srv: 'a123' }),
      line({ t: 1, ts: 'S' }),
      line({ t: 1, ts: '"}' }),
      line({ t: 1, rc: '' }),
      line({ t: 1, rc: '-1' }),
      line({ t: 1, rc: '1+' }),
      line({ t: 1, m: '' }),
      line({ t: 1, p: '' }),
      line({ t: 1 }).replace('"st":200', '"st":"200"'),
      line({ t: 1 }).replace('"srv":"a1"', '"srv":null'),
      `${line({ t: 1 }).slice(0, -2)}${'x'.repeat(20_000)}"}`,
      ' ' + line({ t: 1 }), // the marker must open the line
    ];
    for (const l of bad) expect(parseRequestLine(l), l.slice(0, 120)).toBeNull();
  });

  it('reads a hostile path as text and never as more fields or more lines', () => {
    // HAProxy writes a `"` of the request line as #22 and escapes `\` and `]` (+E): this is what a client
    // sending `GET /x\"},"st":200}]\ HTTP/1.1` produced (copied from a real log).
    const real =
      '{"hx":1,"t":1796479586602,"th":0,"ti":0,"ta":0,"tr":0,"ts":"--","rc":"0","srv":"a1","st":200,"m":"GET","p":"/x\\\\#22},#22st#22:200}\\]\\\\"}';
    expect(parseRequestLine(real)).toMatchObject({ status: 200, path: '/x\\#22},#22st#22:200}]\\' });
    // `\]` is HAProxy's, not JSON's; `\\]` is an escaped backslash followed by a plain `]`.
    expect(parseRequestLine(line({ t: 1, p: '/q#22uo\\\\te\\]x%22' }))?.path).toBe('/q#22uo\\te]x%22');
    expect(parseRequestLine(line({ t: 1, p: '/a\\\\]' }))?.path).toBe('/a\\]');
    expect(parseRequestLine(line({ t: 1, p: '/a\\\\\\]' }))?.path).toBe('/a\\]');
    // Were a `"` ever to get through unescaped, the path could not close its string and add a later "st" (with
    // duplicate keys JSON.parse keeps the last): the line does not have the format's shape and is dropped.
    expect(parseRequestLine(line({ t: 1, p: '/a","st":500,"x":"' }))).toBeNull();
    expect(parseRequestLine(line({ t: 1, p: '/a"}' }))).toBeNull();
    // Control characters in a path, raw or as JSON escapes, are never HAProxy's (it refuses them): the line is dropped.
    expect(parseRequestLine(line({ t: 1, p: '/a\nb' }))).toBeNull();
    expect(parseRequestLine(line({ t: 1, p: '/a\\nb' }))).toBeNull();
    expect(parseRequestLine(line({ t: 1, p: '/a\\u0000b' }))).toBeNull();
    expect(parseRequestLine(line({ t: 1, m: 'G\\u001bET' }))).toBeNull();
    // Escaped backslash then n is two printable characters.
    expect(parseRequestLine(line({ t: 1, p: '/a\\\\nb' }))?.path).toBe('/a\\nb');
  });
});

describe('readRequestsSince', () => {
  const dir = mkdtempSync(join(tmpdir(), 'request-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = 1_796_000_000_000;

  /** 2000 requests 10 ms apart, alternating slots, with HAProxy's messages at the start and in between. */
  function writeLog(name: string, extra = ''): { file: string; all: RequestRecord[] } {
    const lines = [
      '[NOTICE]   (10) : haproxy version is 2.6.12',
      '[NOTICE]   (10) : path to executable is /usr/sbin/haproxy',
    ];
    const all: RequestRecord[] = [];
    for (let i = 0; i < 2000; i++) {
      const srv = i % 3 === 0 ? 'b1' : 'a2';
      const st = i % 7 === 0 ? 500 : 200;
      // A multi-byte path, so that chunk boundaries fall inside characters too.
      const p = `/café/${i}`;
      lines.push(line({ t: base + i * 10, ta: 4, srv, st, p }));
      all.push(parseRequestLine(lines.at(-1)!)!);
      if (i % 500 === 250)
        lines.push('Server app/b1 is going DOWN for maintenance. 1 active and 0 backup servers left.');
    }
    const file = join(dir, name);
    writeFileSync(file, `${lines.join('\n')}\n${extra}`);
    return { file, all };
  }

  it('returns the requests from `since` on, oldest first, the same whatever the chunk size', async () => {
    const { file, all } = writeLog('many.log');
    const since = base + 12_345; // between two requests
    const expected = all.filter((r) => r.at >= since);
    expect(expected).toHaveLength(2000 - 1235);
    for (const chunkBytes of [7, 64, 1000, 4096, 256 * 1024]) {
      const log = await readRequestsSince(file, since, { chunkBytes });
      expect(log.requests, `chunk ${chunkBytes}`).toEqual(expected);
      expect(log.truncated).toBe(false);
      expect(log.malformed).toBe(0);
      expect(log.requests.every((r) => r.path.startsWith('/café/'))).toBe(true);
    }
  });

  it('stops once it has gone `slackMs` past `since` instead of reading the whole file', async () => {
    const { file } = writeLog('stop.log');
    // Of the DOWN messages after requests 250, 750, 1250 and 1750, the last two lie after base + 15 s - 5 s of
    // slack, where the reader stops; the NOTICE lines at the top are never reached.
    const late = await readRequestsSince(file, base + 15_000, { chunkBytes: 512 });
    expect(late.requests).toHaveLength(500);
    expect(late.skipped).toBe(2);
    const all = await readRequestsSince(file, 0, { chunkBytes: 512 });
    expect(all.requests).toHaveLength(2000);
    expect(all.skipped).toBe(6);
  });

  it('ends the window at `untilMs` (exclusive)', async () => {
    const { file, all } = writeLog('until.log');
    const log = await readRequestsSince(file, base + 1000, { untilMs: base + 2000, chunkBytes: 333 });
    expect(log.requests).toEqual(all.slice(100, 200));
  });

  it('finds a request logged before one that ended earlier than `since` (threads write a few ms apart)', async () => {
    const since = base + 100_000;
    const file = join(dir, 'order.log');
    const lines = [
      line({ t: since - 20_000, ta: 5 }),
      line({ t: since - 10, ta: 3 }), // began before the window: out
      line({ t: since + 1, ta: 3, srv: 'b1' }),
      line({ t: since - 3000, ta: 100, srv: 'a1' }), // ended 2.9 s before `since`, within the slack
      line({ t: since + 5, ta: 1000, st: 502, srv: 'b1', ts: 'SH' }),
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const log = await readRequestsSince(file, since, { chunkBytes: 50 });
    expect(log.requests.map((r) => [r.at, r.status])).toEqual([
      [since + 1, 200],
      [since + 5, 502],
    ]);
    const strict = await readRequestsSince(file, since, { chunkBytes: 50, slackMs: 0 });
    expect(strict.requests.map((r) => r.at)).toEqual([since + 5]);
  });

  it('leaves a last line without its newline for later, and counts malformed request lines', async () => {
    const { file } = writeLog(
      'partial.log',
      `${line({ t: base + 30_000 }).slice(0, 40)}garbage\n${line({ t: base + 30_010 }).slice(0, 50)}`,
    );
    const log = await readRequestsSince(file, base + 19_000, { chunkBytes: 100 });
    expect(log.requests).toHaveLength(100);
    expect(log.requests.at(-1)?.at).toBe(base + 19_990);
    // The cut request line and the DOWN message after request 1750.
    expect(log.malformed).toBe(1);
    expect(log.skipped).toBe(2);
  });

  it('reads a file that begins with empty lines', async () => {
    const file = join(dir, 'blank.log');
    writeFileSync(file, `\n\n${line({ t: base })}\n\n${line({ t: base + 1 })}\n`);
    for (const chunkBytes of [1, 2, 1000]) {
      const log = await readRequestsSince(file, 0, { chunkBytes });
      expect(log.requests.map((r) => r.at)).toEqual([base, base + 1]);
      expect(log.skipped).toBe(0);
    }
  });

  it('reads at most `maxBytes` from the end and says so', async () => {
    const { file, all } = writeLog('cap.log');
    const log = await readRequestsSince(file, 0, { maxBytes: 10_000, chunkBytes: 4096 });
    expect(log.truncated).toBe(true);
    expect(log.requests.length).toBeGreaterThan(50);
    expect(log.requests.length).toBeLessThan(150);
    expect(log.requests).toEqual(all.slice(-log.requests.length));
  });

  it('answers an empty log for a file that does not exist yet', async () => {
    expect(await readRequestsSince(join(dir, 'none.log'), 0)).toEqual({
      requests: [],
      skipped: 0,
      malformed: 0,
      truncated: false,
    });
  });
});
