import { describe, expect, it } from 'vitest';
import { endpointsToEnvLines, parseBrokers, parseEndpointsEnv } from './env.js';

const full = {
  KAFKA_BROKERS: 'k1:9092, k2:9092',
  SCHEMA_REGISTRY_URL: 'http://sr:8081/',
  MONGODB_URI: 'mongodb://m:27017/?replicaSet=rs0',
};

describe('endpoints from the environment', () => {
  it('given none of the variables, when parsing, then none', () => {
    expect(parseEndpointsEnv({ PATH: '/bin' })).toEqual({ kind: 'none' });
  });

  it('given all three, when parsing, then brokers are split and the registry URL loses its trailing slash', () => {
    expect(parseEndpointsEnv(full)).toEqual({
      kind: 'complete',
      endpoints: {
        kafkaBrokers: ['k1:9092', 'k2:9092'],
        schemaRegistryUrl: 'http://sr:8081',
        mongodbUri: 'mongodb://m:27017/?replicaSet=rs0',
      },
    });
  });

  it('given only some, when parsing, then partial names what is missing', () => {
    expect(parseEndpointsEnv({ KAFKA_BROKERS: 'k:9092', MONGODB_URI: '' })).toEqual({
      kind: 'partial',
      present: ['KAFKA_BROKERS'],
      missing: ['SCHEMA_REGISTRY_URL', 'MONGODB_URI'],
    });
  });

  it('given malformed values, when parsing, then every problem is reported', () => {
    const r = parseEndpointsEnv({
      KAFKA_BROKERS: 'k',
      SCHEMA_REGISTRY_URL: 'sr:8081',
      MONGODB_URI: 'localhost',
    });
    expect(r.kind).toBe('invalid');
    expect(r.kind === 'invalid' && r.problems).toHaveLength(3);
  });

  it('given a PLAINTEXT:// prefix and empty entries, when parsing brokers, then plain host:port remain', () => {
    expect(parseBrokers('PLAINTEXT://a:1,,b:2,')).toEqual(['a:1', 'b:2']);
  });

  it('given endpoints, when printed as env lines, then parsing them back gives the same endpoints', () => {
    const parsed = parseEndpointsEnv(full);
    if (parsed.kind !== 'complete') throw new Error('fixture');
    const env = Object.fromEntries(
      endpointsToEnvLines(parsed.endpoints).map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(parseEndpointsEnv(env)).toEqual(parsed);
  });

  it('given FORGE_URL and FORGE_TOKEN, when parsing, then the forge joins the endpoints and survives the env lines', () => {
    const parsed = parseEndpointsEnv({ ...full, FORGE_URL: 'http://forge:3000/', FORGE_TOKEN: 't0k' });
    expect(parsed.kind === 'complete' && parsed.endpoints.forge).toEqual({
      url: 'http://forge:3000',
      token: 't0k',
    });
    if (parsed.kind !== 'complete') throw new Error('fixture');
    const env = Object.fromEntries(
      endpointsToEnvLines(parsed.endpoints).map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(parseEndpointsEnv(env)).toEqual(parsed);
  });

  it('given only one of FORGE_URL and FORGE_TOKEN, or a URL without scheme, when parsing, then it is refused', () => {
    expect(parseEndpointsEnv({ ...full, FORGE_URL: 'http://forge:3000' }).kind).toBe('invalid');
    expect(parseEndpointsEnv({ ...full, FORGE_TOKEN: 't' }).kind).toBe('invalid');
    expect(parseEndpointsEnv({ ...full, FORGE_URL: 'forge:3000', FORGE_TOKEN: 't' }).kind).toBe('invalid');
  });
});
