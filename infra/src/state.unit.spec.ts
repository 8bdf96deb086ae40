import { describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, localEndpoints } from './config.js';
import type { InfraState } from './state.js';
import { parseState, serializeState } from './state.js';

const server = (pid: number) => ({
  pid,
  marker: `m${pid}`,
  logFile: `/l/${pid}.log`,
  startedAt: '2026-01-01T00:00:00.000Z',
});
const state: InfraState = {
  version: 1,
  cacheDir: '/c',
  ports: DEFAULT_PORTS,
  endpoints: localEndpoints(DEFAULT_PORTS),
  startedAt: '2026-01-01T00:00:00.000Z',
  servers: { kafka: server(100), registry: server(101), ferretdb: server(102) },
};

describe('state file', () => {
  it('given a state, when serialized and parsed, then it comes back unchanged', () => {
    expect(parseState(serializeState(state))).toEqual({ ok: true, state });
  });

  it('given text that is not JSON (a torn write), when parsed, then it is rejected with a reason', () => {
    const r = parseState(serializeState(state).slice(0, 40));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/not JSON/);
  });

  it('given a file from another format version, when parsed, then it is rejected', () => {
    expect(parseState(JSON.stringify({ ...state, version: 2 }))).toEqual({
      ok: false,
      reason: 'unknown version 2',
    });
  });

  it('given a server without a usable pid, when parsed, then it is rejected (we never signal pid 0 or 1)', () => {
    for (const pid of [0, 1, -5, 1.5]) {
      const bad = { ...state, servers: { ...state.servers, registry: { ...server(1), pid } } };
      expect(parseState(JSON.stringify(bad))).toEqual({ ok: false, reason: 'servers.registry invalid' });
    }
  });

  it('given a missing server, when parsed, then it is rejected', () => {
    const { ferretdb: _f, ...two } = state.servers;
    expect(parseState(JSON.stringify({ ...state, servers: two }))).toEqual({
      ok: false,
      reason: 'servers.ferretdb invalid',
    });
  });

  it('given malformed endpoints, when parsed, then it is rejected', () => {
    const bad = { ...state, endpoints: { ...state.endpoints, kafkaBrokers: 'a:1' } };
    expect(parseState(JSON.stringify(bad))).toEqual({ ok: false, reason: 'endpoints invalid' });
  });

  it('given a state file from before the forge (no gitea port, server or endpoint), when parsed, then it is usable', () => {
    const { gitea: _g, ...oldPorts } = DEFAULT_PORTS;
    const r = parseState(JSON.stringify({ ...state, ports: oldPorts }));
    expect(r.ok && r.state.ports.gitea).toBe(DEFAULT_PORTS.gitea);
  });

  it('given a forge, when serialized and parsed, then the gitea server and the forge endpoint come back', () => {
    const withForge: InfraState = {
      ...state,
      endpoints: localEndpoints(DEFAULT_PORTS, 'f'.repeat(40)),
      servers: { ...state.servers, gitea: server(103) },
    };
    expect(parseState(serializeState(withForge))).toEqual({ ok: true, state: withForge });
  });

  it('given a gitea server without a forge endpoint (or the reverse), when parsed, then it is rejected', () => {
    const noEndpoint = { ...state, servers: { ...state.servers, gitea: server(103) } };
    expect(parseState(JSON.stringify(noEndpoint)).ok).toBe(false);
    const noServer = { ...state, endpoints: localEndpoints(DEFAULT_PORTS, 'x') };
    expect(parseState(JSON.stringify(noServer)).ok).toBe(false);
  });
});
