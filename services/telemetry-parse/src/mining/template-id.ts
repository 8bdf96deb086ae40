/**
 * Template ids derived from the template text only, so that every replica and every restart computes the
 * same id for the same template: 64 bits of FNV-1a (two 32-bit lanes with different offsets) over the UTF-16
 * code units of the template, as 16 lower-case hex digits. Not cryptographic; collisions at 64 bits are
 * negligible for the number of templates a service has.
 */
export function templateIdOf(template: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x050c5d1f;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
