/**
 * Service and host names as keys. Decisions: trim and lower-case both (producers disagree on case, DNS and
 * service registries do not care); collapse inner whitespace in service names to `-`; strip a trailing dot
 * from hosts. Host domains are kept by default: `web-1.eu.example.com` and `web-1.us.example.com` are
 * different machines, and stripping would merge them. Sources that mix short and full names for one host
 * can opt in with `stripHostDomain`. IP addresses are never shortened.
 */

export function normalizeServiceName(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const name = raw.trim().toLowerCase().replace(/\s+/g, '-');
  return name.length > 0 ? name : null;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function normalizeHostName(raw: string | null | undefined, stripDomain = false): string | null {
  if (raw === null || raw === undefined) return null;
  let host = raw.trim().toLowerCase().replace(/\.$/, '');
  if (host.length === 0) return null;
  if (stripDomain && !IPV4.test(host) && !host.includes(':')) host = host.split('.')[0] ?? host;
  return host;
}
