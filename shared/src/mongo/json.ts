/**
 * JSON that keeps binary values (sketches in payloads) intact. Used for machine state in the cache: storing it
 * as a string also sidesteps field names MongoDB-compatible servers refuse (dots, leading `$`) in user data.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') };
    return v;
  });
}

export function fromJson<T = unknown>(text: string): T {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && typeof v.$bytes === 'string' && Object.keys(v).length === 1) {
      return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
    }
    return v;
  }) as T;
}
