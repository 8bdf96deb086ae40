import { driveTraffic, type RequestResult } from '@self-healing/target';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the shoppers met so far: requests answered, and those that failed (5xx or no answer). */
export interface TrafficTally {
  requests: number;
  failed: number;
}

/**
 * Seeded shoppers through the service's front end until stopped, in slices of ten seconds (each slice seeded from
 * the run's seed, so a run is reproducible slice by slice). `tally` counts what they met since the last `reset`;
 * `onRequest` sees every request.
 */
export function continuousTraffic(
  url: string,
  seed: number,
  rate: number,
  onRequest: (req: RequestResult) => void = () => undefined,
) {
  let running = true;
  let tally: TrafficTally = { requests: 0, failed: 0 };
  const loop = (async () => {
    for (let slice = 0; running; slice++) {
      const r = await driveTraffic({
        url,
        seed: seed * 1000 + slice,
        rate,
        scenarios: rate * 10,
        maxDurationMs: 10_000,
        maxConcurrent: 32,
        onRequest: (req) => {
          onRequest(req);
          tally.requests++;
          if (req.status >= 500 || req.status === 0) tally.failed++;
        },
      }).catch(() => null);
      if (!r) await sleep(500);
    }
  })();
  return {
    tally: () => ({ ...tally }),
    reset: () => (tally = { requests: 0, failed: 0 }),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Calls `tick` every `everyMs` until stopped (a tick that fails is reported and the next one goes on). */
export function every(everyMs: number, tick: () => Promise<unknown>, onError: (e: Error) => void) {
  let running = true;
  const loop = (async () => {
    while (running) {
      await tick().catch((e: Error) => onError(e));
      for (let waited = 0; running && waited < everyMs; waited += 250) await sleep(250);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
