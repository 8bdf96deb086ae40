/**
 * A small Avro schema vocabulary written as TypeScript values, and the type-level mapping from a schema to
 * the TypeScript type of the values it describes. Every schema in this package is written once, as a `const`
 * value built with these helpers; its TypeScript type is derived from it (`AvroType<typeof schema>`), so the
 * `.avsc` files other teams read and the types our services compile against cannot drift apart.
 *
 * The mapping follows what `avsc` decodes with its default options (the options
 * `@kafkajs/confluent-schema-registry` uses): `long` -> number (safe integers only), `timestamp-millis` ->
 * number, `bytes` -> Buffer (typed here as its supertype Uint8Array; avsc requires a Buffer when encoding),
 * unions of null and one other type -> `T | null`, enums -> string literal unions.
 */

export type AvroPrimitiveName = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';

export interface AvroField {
  readonly name: string;
  readonly type: AvroSchema;
  readonly doc?: string;
  readonly default?: unknown;
}

export interface AvroRecord {
  readonly type: 'record';
  readonly name: string;
  readonly namespace: string;
  readonly doc?: string;
  readonly fields: readonly AvroField[];
}

export interface AvroEnum {
  readonly type: 'enum';
  readonly name: string;
  readonly namespace: string;
  readonly doc?: string;
  readonly symbols: readonly string[];
  readonly default?: string;
}

export interface AvroArray {
  readonly type: 'array';
  readonly items: AvroSchema;
}

export interface AvroMap {
  readonly type: 'map';
  readonly values: AvroSchema;
}

export interface AvroLogical {
  readonly type: 'long' | 'int';
  readonly logicalType: string;
}

/** Named types are always written inline with an explicit namespace; `toAvsc` turns repeats into references. */
export type AvroSchema =
  AvroPrimitiveName | AvroRecord | AvroEnum | AvroArray | AvroMap | AvroLogical | readonly AvroSchema[];

interface PrimitiveTypes {
  null: null;
  boolean: boolean;
  int: number;
  long: number;
  float: number;
  double: number;
  bytes: Uint8Array;
  string: string;
}

/** The TypeScript type of the values an Avro schema describes. */
export type AvroType<S> = S extends AvroPrimitiveName
  ? PrimitiveTypes[S]
  : S extends readonly unknown[]
    ? AvroType<S[number]>
    : S extends { readonly type: 'record'; readonly fields: readonly AvroField[] }
      ? { -readonly [F in S['fields'][number] as F['name']]: AvroType<F['type']> }
      : S extends { readonly type: 'enum'; readonly symbols: readonly string[] }
        ? S['symbols'][number]
        : S extends { readonly type: 'array'; readonly items: infer I }
          ? AvroType<I>[]
          : S extends { readonly type: 'map'; readonly values: infer V }
            ? Record<string, AvroType<V>>
            : S extends { readonly type: infer P extends AvroPrimitiveName }
              ? PrimitiveTypes[P]
              : never;

/** Epoch milliseconds, UTC. */
export const timestampMillis = { type: 'long', logicalType: 'timestamp-millis' } as const;

export function record<const NS extends string, const N extends string, const F extends readonly AvroField[]>(
  namespace: NS,
  name: N,
  doc: string,
  fields: F,
) {
  return { type: 'record', name, namespace, doc, fields } as const;
}

export function enumeration<
  const NS extends string,
  const N extends string,
  const S extends readonly string[],
>(namespace: NS, name: N, doc: string, symbols: S) {
  return { type: 'enum', name, namespace, doc, symbols } as const;
}

export function arrayOf<const I extends AvroSchema>(items: I) {
  return { type: 'array', items } as const;
}

export function mapOf<const V extends AvroSchema>(values: V) {
  return { type: 'map', values } as const;
}

/** `T | null`; null comes first so that the field's default can be null. */
export function nullable<const T extends AvroSchema>(type: T) {
  return ['null', type] as const;
}

/** A nullable field that defaults to null, so that adding it later stays compatible in both directions. */
export function optional<const N extends string, const T extends AvroSchema>(name: N, type: T, doc: string) {
  return { name, type: nullable(type), doc, default: null } as const;
}

export function fullNameOf(schema: { readonly name: string; readonly namespace: string }): string {
  return `${schema.namespace}.${schema.name}`;
}

type Named = AvroRecord | AvroEnum;

function isNamed(schema: unknown): schema is Named {
  return (
    typeof schema === 'object' &&
    schema !== null &&
    !Array.isArray(schema) &&
    ((schema as { type?: unknown }).type === 'record' || (schema as { type?: unknown }).type === 'enum')
  );
}

/**
 * The schema as Avro JSON: each named type is defined at its first occurrence (depth first, in field order)
 * and referred to by full name afterwards, as Avro requires. Two different definitions under one name are a
 * bug in this package and throw.
 */
export function toAvsc(schema: AvroSchema): unknown {
  const defined = new Map<string, string>();
  const walk = (s: AvroSchema): unknown => {
    if (typeof s === 'string') return s;
    if (Array.isArray(s)) return (s as readonly AvroSchema[]).map(walk);
    if (isNamed(s)) {
      const fullName = fullNameOf(s);
      const definition = JSON.stringify(s);
      const previous = defined.get(fullName);
      if (previous !== undefined) {
        if (previous !== definition) throw new Error(`two different Avro definitions named ${fullName}`);
        return fullName;
      }
      defined.set(fullName, definition);
      if (s.type === 'enum') return { ...s };
      return { ...s, fields: s.fields.map((f) => ({ ...f, type: walk(f.type) })) };
    }
    const composite = s as AvroArray | AvroMap | AvroLogical;
    if (composite.type === 'array') return { type: 'array', items: walk(composite.items) };
    if (composite.type === 'map') return { type: 'map', values: walk(composite.values) };
    return { ...composite };
  };
  return walk(schema);
}

/** Every named type (record or enum) reachable from a schema, by full name. */
export function namedTypesOf(schema: AvroSchema): Map<string, Named> {
  const found = new Map<string, Named>();
  const walk = (s: AvroSchema): void => {
    if (typeof s === 'string') return;
    if (Array.isArray(s)) return (s as readonly AvroSchema[]).forEach(walk);
    if (isNamed(s)) {
      found.set(fullNameOf(s), s);
      if (s.type === 'record') s.fields.forEach((f) => walk(f.type));
      return;
    }
    const composite = s as AvroArray | AvroMap | AvroLogical;
    if (composite.type === 'array') walk(composite.items);
    else if (composite.type === 'map') walk(composite.values);
  };
  walk(schema);
  return found;
}
