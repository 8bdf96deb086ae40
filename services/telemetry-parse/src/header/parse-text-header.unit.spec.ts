import { describe, expect, it } from 'vitest';
import { parseTextHeader } from './parse-text-header.js';

describe('parseTextHeader', () => {
  it('given an ISO 8601 line with comma millis, level, bracketed thread and logger, then splits all fields', () => {
    const h = parseTextHeader(
      '2023-04-05 06:07:08,123 WARN [worker-3] com.acme.billing.Invoicer: retrying charge 42\r',
    );
    expect(h).toEqual({
      timestamp: '2023-04-05 06:07:08,123',
      epochMs: Date.UTC(2023, 3, 5, 6, 7, 8, 123),
      level: 'warn',
      component: 'com.acme.billing.Invoicer',
      process: 'worker-3',
      host: null,
      message: 'retrying charge 42',
    });
  });

  it('given an ISO timestamp with T and zone offset, then the offset is applied', () => {
    const h = parseTextHeader('2023-04-05T06:07:08.5+02:00 ERROR db.pool: exhausted');
    expect(h.epochMs).toBe(Date.UTC(2023, 3, 5, 4, 7, 8, 500));
    expect(h.level).toBe('error');
    expect(h.message).toBe('exhausted');
  });

  it('given yyMMdd HHmmss with a pid before the level, then the pid is the process', () => {
    const h = parseTextHeader('230405 060708 77 INFO store.Writer$Flusher: flushed segment 9');
    expect(h.timestamp).toBe('230405 060708');
    expect(h.epochMs).toBe(Date.UTC(2023, 3, 5, 6, 7, 8));
    expect(h.process).toBe('77');
    expect(h.component).toBe('store.Writer$Flusher');
    expect(h.message).toBe('flushed segment 9');
  });

  it('given yy/MM/dd HH:mm:ss, then the year is in this century', () => {
    const h = parseTextHeader('23/04/05 06:07:08 DEBUG net.Server: listening');
    expect(h.epochMs).toBe(Date.UTC(2023, 3, 5, 6, 7, 8));
    expect(h.level).toBe('debug');
    expect(h.message).toBe('listening');
  });

  it('given a syslog line, then host, program and pid are read and the default year and zone are used', () => {
    const h = parseTextHeader('Mar  7 09:10:11 gate01 authd[3141]: accepted key for alice', {
      defaultYear: 2022,
      defaultOffsetMinutes: 60,
    });
    expect(h.timestamp).toBe('Mar  7 09:10:11');
    expect(h.epochMs).toBe(Date.UTC(2022, 2, 7, 8, 10, 11));
    expect(h.host).toBe('gate01');
    expect(h.component).toBe('authd');
    expect(h.process).toBe('3141');
    expect(h.message).toBe('accepted key for alice');
  });

  it('given an Apache error-log style bracketed date and level, then a bracket that belongs to the message stays', () => {
    const a = parseTextHeader(
      '[Tue Mar 07 09:10:11 2023] [error] [client 10.0.0.7] File does not exist: /srv/x',
    );
    expect(a.epochMs).toBe(Date.UTC(2023, 2, 7, 9, 10, 11));
    expect(a.level).toBe('error');
    expect(a.message).toBe('[client 10.0.0.7] File does not exist: /srv/x');
    const b = parseTextHeader('[Tue Mar 07 09:10:11 2023] [notice] cache.init() done');
    expect(b.level).toBe('info');
    expect(b.message).toBe('cache.init() done');
  });

  it('given a pipe-separated header with yyyyMMdd-HH:mm:ss:SSS, then component and pid come from the fields', () => {
    const h = parseTextHeader('20230405-6:7:8:9|Sensor_Hub|4242|onTick value=3|4');
    expect(h.timestamp).toBe('20230405-6:7:8:9');
    expect(h.epochMs).toBe(Date.UTC(2023, 3, 5, 6, 7, 8, 900));
    expect(h.component).toBe('Sensor_Hub');
    expect(h.process).toBe('4242');
    expect(h.message).toBe('onTick value=3|4');
  });

  it('given a [MM.dd HH:mm:ss] stamp and a program before " - ", then the program is the component', () => {
    const h = parseTextHeader('[04.05 06:07:08] browser.exe *64 - cdn.example.org:443 open through proxy', {
      defaultYear: 2023,
    });
    expect(h.epochMs).toBe(Date.UTC(2023, 3, 5, 6, 7, 8));
    expect(h.component).toBe('browser.exe *64');
    expect(h.message).toBe('cdn.example.org:443 open through proxy');
  });

  it('given "ts - LEVEL [thread] - message", then both separators are consumed', () => {
    const h = parseTextHeader(
      '2023-04-05 06:07:08,009 - INFO  [Loop[id=2]/0:0:0:0:Elector@88] - vote sent: 5',
    );
    expect(h.level).toBe('info');
    expect(h.process).toBe('Loop[id=2]/0:0:0:0:Elector@88');
    expect(h.message).toBe('vote sent: 5');
  });

  it('given a line without a timestamp, then only a leading level word is taken', () => {
    expect(parseTextHeader('ERROR something broke')).toMatchObject({
      level: 'error',
      message: 'something broke',
    });
    expect(parseTextHeader('just text: here')).toMatchObject({
      timestamp: null,
      level: null,
      message: 'just text: here',
    });
  });

  it('given an unqualified word with a colon after the timestamp and no level, then it stays in the message', () => {
    const h = parseTextHeader('2023-04-05 06:07:08 Error: disk full');
    expect(h.component).toBeNull();
    expect(h.message).toBe('Error: disk full');
  });

  it('given a time-of-day-only stamp, then epochMs needs a default date', () => {
    expect(parseTextHeader('06:07:08 started').epochMs).toBeNull();
    expect(parseTextHeader('06:07:08 started', { defaultDateMs: Date.UTC(2023, 0, 2) }).epochMs).toBe(
      Date.UTC(2023, 0, 2, 6, 7, 8),
    );
  });

  it('given a logcat-style line with pid, tid and a one-letter level, then all are read', () => {
    const h = parseTextHeader('04-05 06:07:08.901  1702  2395 D PowerMgr: wake lock acquired');
    expect(h).toMatchObject({
      level: 'debug',
      process: '1702/2395',
      component: 'PowerMgr',
      message: 'wake lock acquired',
    });
  });

  it('given a comma and a capitalised level after the timestamp, then the level is read', () => {
    const h = parseTextHeader('2023-04-05 06:07:08, Info                  Setup    Loaded stack v1.2');
    expect(h.level).toBe('info');
    expect(h.message).toBe('Setup    Loaded stack v1.2');
  });

  it('given a syslog program with a parenthesised facility, then name and pid are read', () => {
    const h = parseTextHeader('Jun 14 15:16:01 box1 crond(pam_unix)[1234]: session closed', {
      defaultYear: 2020,
    });
    expect(h).toMatchObject({
      host: 'box1',
      component: 'crond(pam_unix)',
      process: '1234',
      message: 'session closed',
    });
  });

  it('given prose with a dash after the timestamp, then it stays in the message', () => {
    const h = parseTextHeader('2023-04-05 06:07:08 Connection lost - retrying');
    expect(h.component).toBeNull();
    expect(h.message).toBe('Connection lost - retrying');
  });
});
