// Credentials for git over HTTP(S) without putting the token in a URL or on a command line (both end up in logs,
// `ps` output and git's own error messages). git reads extra configuration from GIT_CONFIG_COUNT/KEY_n/VALUE_n
// (git 2.31+), so the token travels as an Authorization header set through the environment of the git process.
import type { GitRemote } from './types.js';

export function gitRemote(url: string, username: string, token: string): GitRemote {
  if (/^[a-z]+:\/\/[^/]*@/i.test(url)) throw new Error('gitRemote wants a URL without credentials');
  const basic = Buffer.from(`${username}:${token}`, 'utf8').toString('base64');
  const shown = `${url} (credentials in the git environment)`;
  return {
    url,
    env: {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      // Never fall back to asking on a terminal: a wrong token must fail, not hang.
      GIT_TERMINAL_PROMPT: '0',
    },
    toString: () => shown,
    toJSON: () => shown,
  };
}
