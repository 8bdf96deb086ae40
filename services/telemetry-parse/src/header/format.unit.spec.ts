import { describe, expect, it } from 'vitest';
import { compileFormat, FormatError, MAX_HEADER_CHARS, MAX_LINE_CHARS } from './format.js';
import { PRESETS } from './presets.js';
import { YearInference } from './year.js';
import { compileLayout, readTimeField } from './timestamp.js';

describe('compileFormat: Drain notation', () => {
  it('given a Drain format, then named fields land in the event and the rest is the message', () => {
    const f = compileFormat('<Date> <Time> <Level> <Component>: <Content>');
    expect(f.fields).toEqual(['Date', 'Time', 'Level', 'Component', 'Content']);
    expect(f.match('23/04/05 06:07:08 WARN pool.Reaper: evicted 3 idle connections')).toEqual({
      timestamp: '23/04/05 06:07:08',
      epochMs: Date.UTC(2023, 3, 5, 6, 7, 8),
      level: 'warn',
      component: 'pool.Reaper',
      process: null,
      host: null,
      message: 'evicted 3 idle connections',
      attributes: {},
    });
  });

  it('given escaped brackets and a pipe separator, then they are literals', () => {
    const f = compileFormat('<Time>\\|<Component>\\|<Pid>\\|<Content>');
    const r = f.match('20230405-6:07:08:901|Meter_Hub|4242|tick value=3|4');
    expect(r).toMatchObject({ component: 'Meter_Hub', process: '4242', message: 'tick value=3|4' });
    expect(r?.epochMs).toBe(Date.UTC(2023, 3, 5, 6, 7, 8, 901));
  });

  it('given several time fields, then the most precise one is the time and the others stay attributes of nothing', () => {
    const f = compileFormat('<Label> <Timestamp> <Date> <Node> <Time> <Type> <Component> <Level> <Content>');
    const r = f.match(
      '- 1700000000 2023.11.14 rack7-n03 2023-11-14-22.13.20.123456 RAS KERNEL FATAL tlb error',
    );
    expect(r).toMatchObject({
      timestamp: '2023-11-14-22.13.20.123456',
      epochMs: Date.UTC(2023, 10, 14, 22, 13, 20, 123),
      level: 'fatal',
      component: 'KERNEL',
      host: 'rack7-n03',
      message: 'tlb error',
      attributes: { Label: '-', Type: 'RAS' },
    });
  });

  it('given a declared time layout, then it reads the time with it', () => {
    const f = compileFormat({ format: '<Time> <Content>', timeLayout: 'dd.MM.yyyy-HH:mm' });
    expect(f.match('05.04.2023-06:07 started')?.epochMs).toBe(Date.UTC(2023, 3, 5, 6, 7));
    const epoch = compileFormat({ format: '<Time> <Content>', timeLayout: 'epoch_millis' });
    expect(epoch.match('1700000000123 started')?.epochMs).toBe(1700000000123);
  });

  it('given a line without the declared shape, then null (the caller keeps the whole line as message)', () => {
    const f = compileFormat('\\[<Time>\\] \\[<Level>\\] <Content>');
    expect(f.match('no header here')).toBeNull();
  });

  it('given bad declarations, then a FormatError says what is wrong', () => {
    expect(() => compileFormat('<Da te> <Content>')).toThrow(FormatError);
    expect(() => compileFormat('<A> <A> <Content>')).toThrow(/twice/);
    expect(() => compileFormat({ regex: '(unclosed' })).toThrow(FormatError);
    expect(() => compileFormat({ regex: '^\\d+ ' })).toThrow(/name its groups/);
    expect(() => compileFormat('preset:nope')).toThrow(/unknown preset/);
    expect(() => compileFormat({ format: '<Time> <Content>', timeLayout: 'yyyy-QQ' })).toThrow(
      /unknown letter/,
    );
    expect(() => compileFormat({ regex: `(?<Level>${'a'.repeat(5000)})` })).toThrow(/longer than/);
  });
});

describe('compileFormat: regular expressions and hostile input', () => {
  it('given a named-group regex with a message group, then groups map to fields', () => {
    const f = compileFormat({ regex: '^(?P<ts>\\S+) (?<lvl>[A-Z]) (?<msg>.*)$' });
    expect(f.match('2023-04-05T06:07:08Z E disk full')).toMatchObject({
      epochMs: Date.UTC(2023, 3, 5, 6, 7, 8),
      level: 'error',
      message: 'disk full',
    });
  });

  it('given a catastrophic-backtracking regex and a hostile line, then the match returns (RE2, linear time)', () => {
    const f = compileFormat({ regex: '^(?<Level>(a+)+)$' });
    expect(f.match('a'.repeat(30_000) + 'b')).toBeNull();
    const g = compileFormat({ regex: '^(?<Time>(\\d+\\s?)+)x ' });
    expect(g.match('1 '.repeat(50_000))).toBeNull();
  });

  it('given a huge line, then only its head is searched for the header and the whole rest is the message', () => {
    const f = compileFormat('<Level>: <Content>');
    const big = 'ERROR: ' + 'x'.repeat(1_000_000);
    expect(f.match(big)?.message.length).toBe(1_000_000);
    // A header that would only end beyond the cap is no header.
    expect(
      compileFormat('<Component>: <Content>').match('y'.repeat(MAX_HEADER_CHARS + 10) + ': m'),
    ).toBeNull();
    const whole = compileFormat({ regex: '^(?<Level>[A-Z]+) (?<Content>.*)$' });
    expect(whole.match('WARN ' + 'z'.repeat(60_000))?.message.length).toBe(60_000);
    // Beyond the whole-line cap, no header rather than a `$` matched at a cut.
    expect(whole.match('WARN ' + 'z'.repeat(MAX_LINE_CHARS))).toBeNull();
  });
});

describe('presets', () => {
  it('every preset compiles', () => {
    for (const name of Object.keys(PRESETS)) expect(() => compileFormat(`preset:${name}`)).not.toThrow();
  });

  it.each([
    [
      'syslog-rfc3164',
      '<11>Mar  7 09:10:11 gate01 authd[3141]: bad key for alice',
      { host: 'gate01', component: 'authd', process: '3141', level: 'error', message: 'bad key for alice' },
    ],
    [
      'syslog-rfc5424',
      '<165>1 2023-04-05T06:07:08.003Z web1.example.org billing 812 ID47 [meta seq="1"] charge ok',
      { host: 'web1.example.org', component: 'billing', process: '812', level: 'info', message: 'charge ok' },
    ],
    [
      'apache-access',
      '10.1.2.3 - bob [05/Apr/2023:06:07:08 +0200] "GET /a HTTP/1.1" 200 512',
      { epochMs: Date.UTC(2023, 3, 5, 4, 7, 8), message: '"GET /a HTTP/1.1" 200 512' },
    ],
    [
      'apache-error',
      '[Wed Apr 05 06:07:08.123456 2023] [proxy:warn] [pid 77:tid 99] [client 10.0.0.1:80] AH01: slow',
      { component: 'proxy', level: 'warn', process: '77', message: '[client 10.0.0.1:80] AH01: slow' },
    ],
    [
      'nginx-error',
      '2023/04/05 06:07:08 [crit] 12#34: *5 connect() failed',
      { level: 'fatal', process: '12', message: 'connect() failed' },
    ],
    [
      'log4j',
      '2023-04-05 06:07:08,123 [pool-1-thread-2] SEVERE com.acme.Db - pool exhausted',
      { level: 'error', component: 'com.acme.Db', process: 'pool-1-thread-2', message: 'pool exhausted' },
    ],
    [
      'logback',
      '06:07:08.123 [main] DEBUG c.a.Boot - wiring done',
      { level: 'debug', component: 'c.a.Boot', message: 'wiring done', epochMs: null },
    ],
    [
      'spring-boot',
      '2023-04-05T06:07:08.123+02:00  INFO 4242 --- [shop] [           main] c.e.Shop                 : Started',
      { level: 'info', process: '4242', component: 'c.e.Shop', message: 'Started' },
    ],
    ['python-basic', 'WARNING:root:low disk', { level: 'warn', component: 'root', message: 'low disk' }],
    [
      'python',
      '2023-04-05 06:07:08,123 - app.jobs - CRITICAL - queue lost',
      { level: 'fatal', component: 'app.jobs', message: 'queue lost' },
    ],
    [
      'journald-short-iso',
      '2023-04-05T06:07:08+0200 box1 kubelet[612]: probe failed',
      { epochMs: Date.UTC(2023, 3, 5, 4, 7, 8), host: 'box1', component: 'kubelet', process: '612' },
    ],
  ])('given a %s line, then its fields are read', (preset, line, expected) => {
    expect(compileFormat(`preset:${preset}`).match(line)).toMatchObject(expected);
  });
});

describe('time fields', () => {
  it('given ISO variants, epochs and field-only dates, then they are read whole', () => {
    expect(readTimeField('2005-06-03-15.42.50.675872')?.fields).toMatchObject({
      year: 2005,
      hour: 15,
      millis: 675,
    });
    expect(readTimeField('2017-05-16_13:53:08')?.fields).toMatchObject({ month: 5, second: 8 });
    expect(readTimeField('1700000000')?.epochMs).toBe(1_700_000_000_000);
    expect(readTimeField('1700000000123')?.epochMs).toBe(1_700_000_000_123);
    expect(readTimeField('2005.06.03')).toMatchObject({ hasDate: true, hasTime: false });
    expect(readTimeField('2005-06-03 15:42:50 trailing')).toBeNull();
  });

  it('given Java-style layouts, then they compile to the same scanner', () => {
    expect(readTimeField('Jun 3 2005 15:42', compileLayout('MMM d yyyy HH:mm'))?.fields).toMatchObject({
      year: 2005,
      month: 6,
      day: 3,
      hour: 15,
      minute: 42,
    });
    expect(readTimeField('2005-06-03T15:42', compileLayout("yyyy-MM-dd'T'HH:mm"))?.fields.minute).toBe(42);
  });

  it('given yearless syslog times, then the year comes from the source, turning at new year', () => {
    const f = compileFormat('preset:syslog-rfc3164');
    const years = new YearInference(Date.UTC(2006, 0, 2));
    const dec = f.match('Dec 31 23:59:58 h p: a', { years });
    const jan = f.match('Jan  1 00:00:01 h p: b', { years });
    expect(dec?.epochMs).toBe(Date.UTC(2005, 11, 31, 23, 59, 58));
    expect(dec?.timestamp).toBe('2005-12-31T23:59:58.000');
    expect(jan?.epochMs).toBe(Date.UTC(2006, 0, 1, 0, 0, 1));
    // No reference and no other time: the year stays unknown rather than this year.
    expect(f.match('Dec 31 23:59:58 h p: a', { years: new YearInference() })?.epochMs).toBeNull();
  });

  it('given a yearless time next to a dated field, then the line gives the year', () => {
    const f = compileFormat('<Label> <Epoch> <Date> <Node> <Month> <Day> <Time> <Component>: <Content>');
    const r = f.match('- 1131566461 2005.11.09 dn7 Nov 9 12:01:01 crond[2915]: session closed');
    // The epoch field is the most precise here (it has a year); the syslog part is not needed.
    expect(r?.epochMs).toBe(1_131_566_461_000);
    expect(r?.component).toBe('crond');
    const g = compileFormat('<Label> <Date> <Node> <Month> <Day> <Time> <Component>: <Content>');
    const s = g.match('- 2005.11.09 dn7 Nov 9 12:01:01 crond[2915]: session closed');
    expect(s?.epochMs).toBe(Date.UTC(2005, 10, 9, 12, 1, 1));
  });
});
