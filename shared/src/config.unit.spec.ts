import { describe, expect, it } from 'vitest';
import { ConfigError, baseConfigSchema, loadConfig } from './config.js';

const good = {
  KAFKA_BROKERS: 'a:1, b:2',
  SCHEMA_REGISTRY_URL: 'http://r:8081',
  MONGODB_URI: 'mongodb://m:27017/',
};

describe('service configuration from the environment', () => {
  it('fills in defaults and splits broker lists', () => {
    const c = loadConfig(baseConfigSchema, good);
    expect(c).toMatchObject({
      KAFKA_BROKERS: ['a:1', 'b:2'],
      MONGODB_DB: 'self_healing',
      TOPIC_PREFIX: '',
      MAX_ATTEMPTS: 5,
      SESSION_TIMEOUT_MS: 30_000,
      LOG_LEVEL: 'info',
    });
  });

  it('names every missing or malformed variable at once', () => {
    try {
      loadConfig(baseConfigSchema, {
        SCHEMA_REGISTRY_URL: 'not a url',
        MONGODB_URI: 'postgres://x',
        MAX_ATTEMPTS: '0',
        TOPIC_PREFIX: 'a b',
      });
      expect.fail('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of [
        'KAFKA_BROKERS',
        'SCHEMA_REGISTRY_URL',
        'MONGODB_URI',
        'MAX_ATTEMPTS',
        'TOPIC_PREFIX',
      ])
        expect(problems).toContain(name);
    }
  });
});
