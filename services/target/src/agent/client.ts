import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { agentSocket, type TargetRequests } from './agent.js';

/** A command to the agent of the target in `stateDir`; the answer's JSON, or each NDJSON line to `onLine`. */
export function callAgent(
  stateDir: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  onLine?: (line: Record<string, unknown>) => void,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: agentSocket(stateDir), method, path, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        let last: Record<string, unknown> = {};
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (!onLine) return;
          const lines = text.split('\n');
          text = lines.pop()!;
          for (const l of lines) if (l) onLine((last = JSON.parse(l) as Record<string, unknown>));
        });
        res.on('end', () => {
          if (onLine && text) onLine((last = JSON.parse(text) as Record<string, unknown>));
          resolve({
            status: res.statusCode ?? 0,
            body: onLine ? last : (JSON.parse(text || '{}') as Record<string, unknown>),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/**
 * The requests the target's HAProxy served that began in [sinceMs, untilMs) (epoch ms), oldest first, with the
 * stable and canary groups and commits: what a canary is judged on.
 */
export async function requestsSince(
  stateDir: string,
  sinceMs: number,
  untilMs?: number,
): Promise<TargetRequests> {
  const query = new URLSearchParams({ since: String(sinceMs) });
  if (untilMs !== undefined) query.set('until', String(untilMs));
  const { status, body } = await callAgent(stateDir, 'GET', `/requests?${query.toString()}`);
  if (status !== 200) throw new Error(`target agent refused the requests: ${String(body.error ?? status)}`);
  return body as unknown as TargetRequests;
}

/** How to start the agent process: from sources under tsx in development, from the build otherwise. */
export function agentCommand(): { execArgv: string[]; file: string } {
  const fromSources = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSources ? './main.ts' : './main.js', import.meta.url));
  return { execArgv: fromSources ? ['--conditions=development', '--import', 'tsx'] : [], file };
}
