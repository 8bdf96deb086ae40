import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { PermanentError } from '../errors.js';
import type { StageEvent } from '../envelope.js';

/** One event type's contract: the Avro schema of `{ meta, payload }` and the subject it is registered under. */
export interface EventContract {
  type: string;
  topic: string;
  subject: string;
  schema: object;
}

export interface EventCodec {
  encode(event: StageEvent): Promise<Buffer>;
  decode(value: Buffer): Promise<StageEvent>;
}

/**
 * Encodes and decodes events in the Confluent wire format through the Schema Registry, so that another team
 * decodes our topics with the registry alone. Schemas are registered (or found) once per type and cached.
 */
export class RegistryCodec implements EventCodec {
  readonly registry: SchemaRegistry;
  private readonly contracts = new Map<string, EventContract>();
  private readonly ids = new Map<string, number>();

  constructor(registryUrl: string, contracts: Iterable<EventContract>) {
    this.registry = new SchemaRegistry({ host: registryUrl });
    for (const c of contracts) this.contracts.set(c.type, c);
  }

  /** Registers every contract with BACKWARD compatibility; an incompatible change is refused by the registry. */
  async registerAll(): Promise<Map<string, number>> {
    for (const type of this.contracts.keys()) await this.schemaId(type);
    return new Map(this.ids);
  }

  async schemaId(type: string): Promise<number> {
    const known = this.ids.get(type);
    if (known !== undefined) return known;
    const contract = this.contracts.get(type);
    if (!contract) throw new PermanentError(`no contract for event type ${type}`, 'unknown-type');
    const { id } = await this.registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(contract.schema) },
      { subject: contract.subject, compatibility: COMPATIBILITY.BACKWARD },
    );
    this.ids.set(type, id);
    return id;
  }

  /** A record that is not an event (e.g. a compacted topic's current-state value), under its own subject. */
  async encodeRecord(subject: string, schema: object, value: unknown): Promise<Buffer> {
    let id = this.ids.get(`subject:${subject}`);
    if (id === undefined) {
      ({ id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject, compatibility: COMPATIBILITY.BACKWARD },
      ));
      this.ids.set(`subject:${subject}`, id);
    }
    return this.registry.encode(id, asAvroValue(value));
  }

  async encode(event: StageEvent): Promise<Buffer> {
    return this.registry.encode(await this.schemaId(event.meta.type), asAvroValue(event));
  }

  async decode(value: Buffer): Promise<StageEvent> {
    if (value.length < 5 || value[0] !== 0) {
      throw new PermanentError(
        'not in Confluent wire format (magic byte 0 and schema id expected)',
        'not-wire-format',
      );
    }
    let decoded: unknown;
    try {
      decoded = await this.registry.decode(value);
    } catch (error) {
      // A schema id the registry does not know, or bytes that do not match the schema: retrying cannot help.
      throw new PermanentError(`undecodable event: ${(error as Error).message}`, 'undecodable', {
        cause: error,
      });
    }
    const event = decoded as StageEvent;
    if (!event?.meta?.type || !event.meta.incidentId) {
      throw new PermanentError('decoded value has no event envelope', 'no-envelope');
    }
    return event;
  }
}

/** avsc writes `bytes` only from Buffers; our types say Uint8Array (what sketches and decoders produce). */
function asAvroValue(value: unknown): unknown {
  if (value instanceof Uint8Array)
    return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(asAvroValue);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = asAvroValue(v);
    return out;
  }
  return value;
}
