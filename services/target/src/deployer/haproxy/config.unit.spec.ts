import { describe, expect, it } from 'vitest';
import { groupWeights, renderHaproxyConfig, REQUEST_LOG_FORMAT } from './config.js';
import { parseShowStat } from './runtime.js';

const layout = {
  frontendPort: 18480,
  slotsPerGroup: 2,
  healthPath: '/healthz',
  adminSocket: '/tmp/t/haproxy.sock',
  pidFile: '/tmp/t/haproxy.pid',
};

describe('haproxy config', () => {
  it('has an admin socket and three groups of slots, all in maintenance until a version is placed', () => {
    const cfg = renderHaproxyConfig(layout);
    expect(cfg).toContain('stats socket /tmp/t/haproxy.sock mode 600 level admin');
    expect(cfg).toContain('bind 127.0.0.1:18480');
    expect(cfg).toContain('option httpchk GET /healthz');
    for (const s of ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'])
      expect(cfg).toContain(`server ${s} 127.0.0.1:1 cookie ${s} weight 0 check disabled`);
  });

  it('logs one JSON line per request to stdout, each client connection carrying one request', () => {
    const cfg = renderHaproxyConfig(layout);
    expect(cfg).toContain('log stdout len 8192 format raw local0');
    expect(cfg).toContain('log global');
    expect(cfg).toContain('option dontlognull');
    // In single quotes: HAProxy's config parser would otherwise take the double quotes for its own.
    expect(cfg).toContain(`log-format '${REQUEST_LOG_FORMAT}'`);
    expect(REQUEST_LOG_FORMAT.startsWith('{"hx":1,')).toBe(true);
    expect(REQUEST_LOG_FORMAT).not.toMatch(/[\s']/);
    // Every client-controlled string is quoted and escaped by HAProxy.
    for (const v of ['s', 'HM', 'HPO']) expect(REQUEST_LOG_FORMAT).toContain(`%{+Q,+E}${v}`);
    expect(cfg).toMatch(/frontend target\n {2}bind [^\n]+\n {2}option httpclose\n/);
  });

  it('refuses values that would add directives', () => {
    expect(() => renderHaproxyConfig({ ...layout, healthPath: '/h\n  stats enable' })).toThrow(
      /unsafe health path/,
    );
    expect(() => renderHaproxyConfig({ ...layout, adminSocket: '/tmp/a b' })).toThrow(/unsafe file path/);
  });

  it('splits traffic by the canary share', () => {
    expect(groupWeights(10)).toEqual({ stable: 90, canary: 10, baseline: 0 });
    expect(groupWeights(100)).toEqual({ stable: 0, canary: 100, baseline: 0 });
    expect(() => groupWeights(120)).toThrow();
  });

  it('gives a baseline as much as the canary, from the stable share', () => {
    expect(groupWeights(10, true)).toEqual({ stable: 80, canary: 10, baseline: 10 });
    expect(groupWeights(50, true)).toEqual({ stable: 0, canary: 50, baseline: 50 });
    expect(groupWeights(80, true)).toEqual({ stable: 0, canary: 80, baseline: 20 });
    expect(groupWeights(100, true)).toEqual({ stable: 0, canary: 100, baseline: 0 });
  });

  it('reads the server lines of show stat', () => {
    const csv =
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr\n' +
      'target,FRONTEND,,,0,1,2048,12,,,,,,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,1,,,,0,12,0,0,0,0,,0,1,12,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,\n' +
      'app,a1,0,0,1,1,,9,,,,,,0,0,0,0,UP,100,1,0,0,0,5,0,,1,3,1,,9,,2,0,,1,L7OK,200,0,0,9,0,0,0,0,,,,9,0,0,,,,,0,,,0,0,0,1,,,,Layer7 check passed,,2,3,4,,,,127.0.0.1:40001\n' +
      'app,BACKEND,0,0,1,1,205,9,,,,,,0,0,0,0,UP,100,1,0,,0,5,0,,1,3,0,,9,,1,0,,1,,,,0,9,0,0,0,0,,,,9,0,0,0,0,0,0,0,,,0,0,0,1,,,,,,,,,,,,\n';
    expect(parseShowStat(csv)).toEqual([
      {
        backend: 'app',
        server: 'a1',
        status: 'UP',
        weight: 100,
        current: 1,
        total: 9,
        http2xx: 9,
        http5xx: 0,
        errors: 0,
        address: '127.0.0.1:40001',
      },
    ]);
  });
});
