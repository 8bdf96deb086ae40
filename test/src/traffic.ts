import { driveTraffic, type RequestResult } from '@self-healing/target';

/**
 * Seeded shoppers through a target's frontend for as long as `during` runs (rounds of 10 s at 15 scenarios a
 * second); what every request got and from which server slot, which is how a test tells the versions apart.
 */
export async function withTraffic<T>(
  url: string,
  during: () => Promise<T>,
): Promise<{ value: T; requests: RequestResult[] }> {
  const requests: RequestResult[] = [];
  let stop = false;
  const driving = (async () => {
    for (let round = 0; !stop; round++)
      await driveTraffic({
        url,
        seed: 100 + round,
        rate: 15,
        scenarios: 150,
        maxDurationMs: 10_000,
        onRequest: (r) => requests.push(r),
      });
  })();
  try {
    return { value: await during(), requests };
  } finally {
    stop = true;
    await driving;
  }
}
