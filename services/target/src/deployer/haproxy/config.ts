/**
 * The HAProxy configuration of one target, rendered once at `up`. Every later change (which version a slot
 * points at, how much traffic it gets) goes through the admin socket, so a canary shift, a promotion or a
 * rollback never reloads HAProxy and never drops a connection.
 *
 * The backend holds three groups of server slots, `a1..aN`, `b1..bN` and `c1..cN`: one of `a` and `b` serves the
 * stable version, the other receives the next version (canary); `c` holds the canary's baseline, a fresh copy of the
 * stable version started with the canary, when one is asked for. Slots start in maintenance at a placeholder address.
 */

/** The groups a version is deployed to, in turn. */
export type VersionGroup = 'a' | 'b';
/** The baseline's group: the stable version's code in processes as new as the canary's. */
export const BASELINE_GROUP = 'c';
export type SlotGroup = VersionGroup | typeof BASELINE_GROUP;
export const SLOT_GROUPS: readonly SlotGroup[] = ['a', 'b', BASELINE_GROUP];

export interface HaproxyLayout {
  /** Port of the frontend the traffic goes to (127.0.0.1). */
  frontendPort: number;
  /** Server slots per group: the most instances one version may run. */
  slotsPerGroup: number;
  /** Health check the load balancer runs against every enabled slot. */
  healthPath: string;
  adminSocket: string;
  pidFile: string;
}

export const BACKEND = 'app';

export function slotName(group: SlotGroup, index: number): string {
  return `${group}${index + 1}`;
}

export function slotNames(group: SlotGroup, count: number): string[] {
  return Array.from({ length: count }, (_, i) => slotName(group, i));
}

export function otherGroup(group: SlotGroup): VersionGroup {
  return group === 'a' ? 'b' : 'a';
}

/**
 * One JSON object per request, as the load balancer saw it: a canary that crashes shows up here as 502/503, which
 * its own logs never would. HAProxy's other messages (startup notices, "Server app/a1 is DOWN") land in the same
 * file, so every request line starts with the fixed marker `{"hx":1,` (deployer/requestLog.ts reads them back).
 * - `t`: accept date in epoch ms (%Ts seconds then %ms, always three digits). On a keep-alive connection the
 *   "accept" of the second request is the end of the first; `th` + `ti` (handshake, idle) lead to the moment
 *   the request's first byte arrived.
 * - `ta` (%Ta) is the request's active time, first byte in to last byte out; %Tt would add the client's idle time
 *   on a keep-alive connection. `tr` is the server's response time, -1 when no full response header came.
 * - `ts`: termination state (e.g. `SH` server aborted, `CD` client aborted), two letters or dashes, quoted here
 *   because `+Q` does not apply to it.
 * - `rc`: connection retries, `+` first when the request was redispatched to another server (quoted: `+3` is no
 *   JSON number). A canary whose process is gone refuses connections, and its requests end up served by a stable
 *   slot: `srv` then names the stable slot, `rc` is the only trace of the canary's failure.
 * - The strings are quoted and escaped (`+Q,+E`: `\` and `"` get a backslash, and so does `]`, which JSON does
 *   not allow; the reader undoes that one). HAProxy refuses control characters in a request line and writes `"`
 *   of a path as `#22`, so the client-controlled path cannot end the line or the object.
 * - %HPO: the path without host nor query string (2.6 has it).
 * Single quotes keep the config parser from eating the double quotes; the log-format has no spaces to escape.
 */
export const REQUEST_LOG_FORMAT =
  '{"hx":1,"t":%Ts%ms,"th":%Th,"ti":%Ti,"ta":%Ta,"tr":%Tr,"ts":"%ts","rc":"%rc","srv":%{+Q,+E}s,"st":%ST,"m":%{+Q,+E}HM,"p":%{+Q,+E}HPO}';

const SAFE_PATH = /^\/[A-Za-z0-9._~/-]*$/;
const SAFE_FILE = /^\/[A-Za-z0-9._/-]+$/;

/** Renders haproxy.cfg. Only validated values reach the file: it is parsed by HAProxy, not a shell, but a newline in a path would still add a directive. */
export function renderHaproxyConfig(layout: HaproxyLayout): string {
  if (!SAFE_PATH.test(layout.healthPath)) throw new Error(`unsafe health path: ${layout.healthPath}`);
  for (const file of [layout.adminSocket, layout.pidFile])
    if (!SAFE_FILE.test(file)) throw new Error(`unsafe file path for haproxy: ${file}`);
  if (!Number.isInteger(layout.frontendPort) || layout.frontendPort < 1 || layout.frontendPort > 65535)
    throw new Error(`bad frontend port: ${layout.frontendPort}`);
  if (!Number.isInteger(layout.slotsPerGroup) || layout.slotsPerGroup < 1 || layout.slotsPerGroup > 16)
    throw new Error(`slots per group must be 1..16, not ${layout.slotsPerGroup}`);
  const servers = SLOT_GROUPS.flatMap((g) =>
    slotNames(g, layout.slotsPerGroup).map(
      // Port 1 on loopback: nothing listens there; the slot stays in maintenance until a version is placed in it.
      (name) => `  server ${name} 127.0.0.1:1 cookie ${name} weight 0 check disabled`,
    ),
  );
  return [
    'global',
    // Access log to HAProxy's stdout, which process.ts appends to <stateDir>/haproxy.log (no syslog daemon here).
    // A regular file never blocks, so no line is dropped; `len` is above the longest line: a URI is captured up to
    // 1024 bytes (tune.http.logurilen) and a byte becomes at most three (#XX) in the log.
    '  log stdout len 8192 format raw local0',
    `  stats socket ${layout.adminSocket} mode 600 level admin`,
    `  pidfile ${layout.pidFile}`,
    '  maxconn 2048',
    '',
    'defaults',
    '  mode http',
    '  log global',
    // A connection that closes without sending a request is no request: it would count as a 400 from nobody.
    '  option dontlognull',
    `  log-format '${REQUEST_LOG_FORMAT}'`,
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout queue 10s',
    // A connection refused by an instance that just died is retried on another server, not returned as a 503.
    '  retries 3',
    '  option redispatch 1',
    '  option http-server-close',
    '',
    'frontend target',
    `  bind 127.0.0.1:${layout.frontendPort}`,
    // One request per client connection. On a kept-alive connection, HAProxy answers a server that closes without
    // a response (a crashing canary) by closing the client's connection silently, so that the client retries, and
    // writes no log line: the crash would be invisible to the canary's judge. A request that is the first on its
    // connection gets a 502 and a log line instead. The server side is closed after each response already.
    '  option httpclose',
    `  default_backend ${BACKEND}`,
    '',
    `backend ${BACKEND}`,
    '  balance roundrobin',
    // The sample service keeps carts in memory: a client that sends the cookie back stays on its instance.
    '  cookie TARGETSRV insert indirect nocache',
    // Which slot answered, so that the traffic driver (and the canary judge) can tell versions apart.
    '  http-response set-header x-target-server %s',
    `  option httpchk GET ${layout.healthPath}`,
    '  http-check expect status 200',
    '  default-server inter 500ms fall 2 rise 1',
    ...servers,
    '',
  ].join('\n');
}

/**
 * The weights of the groups for a share (percent) of traffic to the canary group. HAProxy spreads requests over
 * servers by weight, so with equal instance counts per group the group weights are the shares themselves.
 * With a baseline, it gets as much as the canary, taken from the stable group, as far as the stable group has it
 * (Kayenta's layout: canary and baseline, equally new and equally loaded, are what is compared): at 50 % the
 * stable version's old processes are idle, above it the baseline gets what is left.
 */
export function groupWeights(
  canaryPercent: number,
  withBaseline = false,
): { stable: number; canary: number; baseline: number } {
  if (!Number.isFinite(canaryPercent) || canaryPercent < 0 || canaryPercent > 100)
    throw new Error(`canary share must be 0..100 %, not ${canaryPercent}`);
  const canary = Math.round(canaryPercent);
  const baseline = withBaseline ? Math.min(canary, 100 - canary) : 0;
  return { stable: 100 - canary - baseline, canary, baseline };
}
