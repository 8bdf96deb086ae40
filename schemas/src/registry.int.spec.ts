import { randomBytes } from 'node:crypto';
import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { describe, expect, inject, it } from 'vitest';
import { eventSchemas } from './index.js';

/**
 * Our schemas against a real Confluent-compatible registry (Apicurio in the local launcher). The registry parses
 * them with the Java Avro library, which is stricter than avsc about names and defaults. Subjects get a unique
 * prefix so that this test never touches the subjects the services register.
 */
describe('schemas in a real Schema Registry', () => {
  const endpoints = inject('endpoints');
  const registry = new SchemaRegistry({ host: endpoints.schemaRegistryUrl });
  const prefix = `contract-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

  it('given every subject, the registry accepts its schema, and a value round-trips in the Confluent wire format', async () => {
    for (const s of eventSchemas()) {
      const subject = `${prefix}.${s.subject}`;
      const { id } = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(s.schema) },
        { subject, compatibility: COMPATIBILITY.BACKWARD },
      );
      // Registering the same schema again is a no-op that returns the same id (what a restarted service does).
      const again = await registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(s.schema) },
        { subject },
      );
      expect(again.id, subject).toBe(id);

      const value = avro.Type.forSchema(s.schema as avro.Schema).random();
      const encoded = await registry.encode(id, value);
      expect(encoded[0], subject).toBe(0);
      expect(encoded.readInt32BE(1), subject).toBe(id);
      expect(await registry.decode(encoded), subject).toEqual(value);
    }
  }, 120_000);
});
