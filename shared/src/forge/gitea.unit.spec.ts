// Pure pieces of the Gitea client: how Gitea's answers map onto the Forge types, the protection rule it is sent,
// and the retry policy for merges. The behaviour against a real Gitea is in test/forge.int.spec.ts.
import { describe, expect, it } from 'vitest';
import { fromGiteaProtection, fromGiteaPull, fromGiteaReview, giteaProtectionBody } from './gitea.js';
import { isTransientMergeRefusal, retryDelayMs, withRetry } from './retry.js';
import { gitRemote } from './remote.js';

const base = {
  number: 3,
  state: 'closed' as const,
  merged: true,
  merge_commit_sha: 'm'.repeat(40),
  title: 't',
  body: null,
  html_url: 'h',
  head: { ref: 'fix', sha: 'h'.repeat(40) },
  base: { ref: 'main' },
};

describe('Gitea answers', () => {
  it('given a merged pull request (Gitea: state closed, merged true), when mapped, then its state is merged with the merge commit', () => {
    expect(fromGiteaPull(base)).toMatchObject({ state: 'merged', mergeCommitSha: 'm'.repeat(40), body: '' });
    expect(fromGiteaPull({ ...base, merged: false })).toMatchObject({ state: 'closed' });
    expect(fromGiteaPull({ ...base, merged: false }).mergeCommitSha).toBeUndefined();
  });

  it('given reviews, when mapped, then APPROVED is approved and a dismissed approval does not count as one', () => {
    expect(fromGiteaReview({ id: 1, user: { login: 'b' }, state: 'APPROVED' }).state).toBe('approved');
    expect(fromGiteaReview({ id: 1, user: { login: 'b' }, state: 'APPROVED', dismissed: true }).state).toBe(
      'dismissed',
    );
    expect(fromGiteaReview({ id: 1, state: 'REQUEST_CHANGES' }).state).toBe('changes_requested');
  });

  it('given a rule with status checks switched off, when mapped, then no contexts are required', () => {
    expect(
      fromGiteaProtection({
        rule_name: 'main',
        enable_status_check: false,
        status_check_contexts: ['ci/validation'],
        required_approvals: 2,
      }),
    ).toEqual({ branch: 'main', requiredStatusContexts: [], requiredApprovals: 2 });
  });

  it('when protecting a branch, then status checks are on exactly when contexts are given, and direct pushes are off', () => {
    expect(
      giteaProtectionBody('main', { requiredStatusContexts: ['ci/validation'], requiredApprovals: 1 }),
    ).toMatchObject({
      rule_name: 'main',
      enable_status_check: true,
      status_check_contexts: ['ci/validation'],
      required_approvals: 1,
      enable_push: false,
      dismiss_stale_approvals: true,
    });
    expect(
      giteaProtectionBody('main', { requiredStatusContexts: [], requiredApprovals: 0 }).enable_status_check,
    ).toBe(false);
  });
});

describe('merge retries', () => {
  it('given Gitea’s answers, when classified, then only "try again later" and server errors are worth another attempt', () => {
    expect(isTransientMergeRefusal(405, 'Please try again later')).toBe(true);
    expect(isTransientMergeRefusal(500, '')).toBe(true);
    expect(isTransientMergeRefusal(405, 'Not all required status checks successful')).toBe(false);
    expect(isTransientMergeRefusal(405, 'Does not have enough approvals')).toBe(false);
    expect(isTransientMergeRefusal(409, 'head out of date')).toBe(false);
  });

  it('when retrying, then the delay doubles up to the cap and the exhausted answer comes after the last attempt', async () => {
    const policy = { attempts: 4, firstDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n))).toEqual([100, 200, 300, 300]);
    const slept: number[] = [];
    let tries = 0;
    const r = await withRetry(
      policy,
      async () => {
        tries++;
        return 'retry' as const;
      },
      async () => 'gave up',
      async (ms) => {
        slept.push(ms);
      },
    );
    expect(r).toBe('gave up');
    expect(tries).toBe(4);
    expect(slept).toEqual([100, 200, 300]);
  });
});

describe('git remote', () => {
  it('given a URL with credentials in it, when building a remote, then it refuses (they would end up in logs)', () => {
    expect(() => gitRemote('http://u:t@host/r.git', 'u', 't')).toThrow(/without credentials/);
  });
});
