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

  constructor(
    private readonly registryUrl: string,
    contracts: Iterable<EventContract>,
    private readonly retry: RegistrationRetry = DEFAULT_REGISTRATION_RETRY,
  ) {
    this.registry = new SchemaRegistry({ host: registryUrl });
    for (const c of contracts) this.contracts.set(c.type, c);
  }

  /** Registers every contract with BACKWARD compatibility; an incompatible change is refused by the registry. */
  async registerAll(onProgress?: (done: number, total: number) => void): Promise<Map<string, number>> {
    let done = 0;
    for (const type of this.contracts.keys()) {
      await this.schemaId(type);
      onProgress?.(++done, this.contracts.size);
    }
    return new Map(this.ids);
  }

  async schemaId(type: string): Promise<number> {
    const known = this.ids.get(type);
    if (known !== undefined) return known;
    const contract = this.contracts.get(type);
    if (!contract) throw new PermanentError(`no contract for event type ${type}`, 'unknown-type');
    const id = await this.register(contract.subject, contract.schema);
    this.ids.set(type, id);
    return id;
  }

  /**
   * Registers a schema under a subject with BACKWARD compatibility, safe when several services start at once.
   * Registering the same schema again is idempotent (the registry returns its id). The race is in the client:
   * it registers a new subject first and sets its compatibility after, so a second instance that reads the
   * subject's configuration in between finds the registry's default (NONE) and refuses. That refusal, and a
   * registry that is still starting (5xx, refused connections), are retried with backoff; a subject left at NONE
   * once the retries are spent is set to BACKWARD (a PUT, idempotent), the compatibility every subject of the
   * catalogue is documented to have. Any other refusal (an incompatible schema) fails at once.
   */
  private async register(subject: string, schema: object): Promise<number> {
    let delay = this.retry.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const { id } = await this.registry.register(
          { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
          { subject, compatibility: COMPATIBILITY.BACKWARD },
        );
        return id;
      } catch (error) {
        const race = isStartupRace(error);
        if (!race && !isRegistryUnavailable(error)) throw error;
        if (attempt >= this.retry.attempts) throw error;
        if (race && attempt >= this.retry.attemptsBeforeSettingCompatibility)
          await this.setBackwardCompatibility(subject);
        await sleep(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 2, this.retry.maxDelayMs);
      }
    }
  }

  private async setBackwardCompatibility(subject: string): Promise<void> {
    const response = await fetch(`${this.registryUrl}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: COMPATIBILITY.BACKWARD }),
    });
    if (!response.ok)
      throw new Error(`setting ${subject} to BACKWARD: ${response.status} ${await response.text()}`);
  }

  /** A record that is not an event (e.g. a compacted topic's current-state value), under its own subject. */
  async encodeRecord(subject: string, schema: object, value: unknown): Promise<Buffer> {
    let id = this.ids.get(`subject:${subject}`);
    if (id === undefined) {
      id = await this.register(subject, schema);
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

export interface RegistrationRetry {
  attempts: number;
  /** Attempts that wait for the other instance to set the compatibility before this one sets it. */
  attemptsBeforeSettingCompatibility: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** About 20 s in all: a registry that starts with the services is up by then. */
export const DEFAULT_REGISTRATION_RETRY: RegistrationRetry = {
  attempts: 12,
  attemptsBeforeSettingCompatibility: 3,
  initialDelayMs: 100,
  maxDelayMs: 3_000,
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The client's refusal when a subject another instance has just registered still has the default NONE. */
export function isStartupRace(error: unknown): boolean {
  return (
    (error as Error)?.name === 'ConfluentSchemaRegistryCompatibilityError' &&
    /!= NONE\)/.test((error as Error).message)
  );
}

/** A registry that is not (yet) answering: refused connections, 5xx, a conflict between concurrent writes. */
export function isRegistryUnavailable(error: unknown): boolean {
  const e = error as { status?: unknown; code?: unknown; cause?: { code?: unknown }; message?: unknown };
  if (typeof e?.status === 'number')
    return e.status >= 500 || (e.status === 409 && !/incompatible/i.test(String(e.message)));
  const code = e?.code ?? e?.cause?.code;
  return (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code)
  );
}

/**
 * The longest prefix of `items` whose estimated encoded size stays within `budgetBytes`, at most `maxItems`: how
 * an event that inlines a list (aggregates, findings) stays under the broker's message size however long the
 * items' texts are. `sizeOf` may overestimate (Avro writes strings as UTF-8 plus a length); it must not
 * underestimate.
 */
export function prefixWithinBytes<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  budgetBytes: number,
  maxItems = Number.MAX_SAFE_INTEGER,
): T[] {
  let used = 0;
  let n = 0;
  for (const item of items) {
    if (n >= maxItems) break;
    used += sizeOf(item);
    if (used > budgetBytes) break;
    n++;
  }
  return items.slice(0, n);
}

/** Avro's upper bound for a string: its UTF-8 bytes and a length of at most 10 bytes. */
export function avroStringBytes(text: string): number {
  return Buffer.byteLength(text) + 10;
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
