// Merges right after a pull request opens (or its head moves) can be refused while the forge is still computing
// mergeability: Gitea answers 405 "Please try again later" (and a 500 while its conflict check runs). Those are
// worth another attempt; every other refusal is an answer.

export type RetryPolicy = { attempts: number; firstDelayMs: number; maxDelayMs: number };

export const MERGE_RETRY: RetryPolicy = { attempts: 20, firstDelayMs: 250, maxDelayMs: 2_000 };

export function isTransientMergeRefusal(status: number, message: string): boolean {
  return (status === 405 && /try again later/i.test(message)) || status >= 500;
}

/** Delay before attempt `n` (1-based retries): doubling from the first delay up to the cap. */
export function retryDelayMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, retry - 1));
}

/**
 * Runs `attempt` until it returns something other than `'retry'` or the attempts are used up; then returns the
 * last answer that was not a retry, or calls `exhausted`.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T | 'retry'>,
  exhausted: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  for (let i = 1; i <= policy.attempts; i++) {
    const r = await attempt();
    if (r !== 'retry') return r;
    if (i < policy.attempts) await sleep(retryDelayMs(policy, i));
  }
  return exhausted();
}
