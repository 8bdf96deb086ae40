/**
 * Secret formats as they show up in logs, each in a line around it. Tests feed these through every path that
 * stores or emits text (parsing, the dead-letter topic) and assert that no part of any secret survives. The values
 * are made up in each format's shape (documented example keys where the vendor publishes one).
 */
export interface SecretSample {
  name: string;
  /** A log line holding the secret. */
  line: string;
  /** The secret itself: no 10-character piece of it may be found where the line ends up. */
  secret: string;
}

const sample = (name: string, secret: string, line: (s: string) => string): SecretSample => ({
  name,
  secret,
  line: line(secret),
});

const PEM_BODY = 'MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi6nxMCV7GiN2eEpWHmtV3DdWYBz7rM5n1vH2dJfGQ1k9Xq';

export const SECRET_CORPUS: readonly SecretSample[] = [
  // Cloud keys
  sample('AWS access key id', 'AKIAIOSFODNN7EXAMPLE', (s) => `using aws_access_key_id ${s} for s3`),
  sample(
    'AWS secret access key after the word secret',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    (s) => `loaded secret ${s} from vault`,
  ),
  sample(
    'AWS secret in env form',
    'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
    (s) => `AWS_SECRET_ACCESS_KEY=${s}`,
  ),
  sample(
    'Azure storage connection string',
    'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
    (s) =>
      `connecting DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=${s};EndpointSuffix=core.windows.net`,
  ),
  sample(
    'GCP service account private key in JSON',
    PEM_BODY,
    (s) =>
      `{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\n${s}\\n-----END PRIVATE KEY-----\\n"}`,
  ),
  sample(
    'Google API key',
    'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe',
    (s) => `maps request key=${s} quota ok`,
  ),
  // Tokens of common services
  sample(
    'GitHub classic token',
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
    (s) => `git clone failed with ${s}`,
  ),
  sample(
    'GitHub fine-grained token',
    'github_pat_11ABCDEFG0abcdefghijkl_MNOPQRSTUVWXyz0123456789abcdefghijklmnopqrstuvwxyZ',
    (s) => `auth with ${s}`,
  ),
  sample('GitLab token', 'glpat-Xk3vQ9mWp2LzR8tYb5Nc', (s) => `PRIVATE-TOKEN: ${s}`),
  sample(
    'Slack bot token',
    'xoxb-2637028319-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
    (s) => `slack post with ${s} failed`,
  ),
  sample('Stripe secret key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', (s) => `stripe charge via ${s}`),
  sample(
    'SendGrid key',
    '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',
    (s) => `mail api ${s}`,
  ),
  sample(
    'npm token',
    'npm_Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c',
    (s) => `//registry.npmjs.org/:_authToken=${s}`,
  ),
  sample('OpenAI key', 'sk-proj-Tq8vX2mK9pL4wR7nY3bZ6cJ1hF5dG0sA', (s) => `llm call with key ${s}`),
  sample('Hugging Face token', 'hf_AbCdEfGhIjKlMnOpQrStUvWxYz01234567', (s) => `hub download ${s}`),
  sample('Twilio API key', 'SK0123456789abcdef0123456789abcdef', (s) => `twilio sid ${s}`),
  sample(
    'JWT',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTYifQ.SflKxwRJSMeKKF2QT4fwpMeJf36P',
    (s) => `session ${s} accepted`,
  ),
  sample('Bearer header', 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5', (s) => `GET /orders Authorization: Bearer ${s}`),
  sample('Basic auth header', 'YWRtaW46c3VwZXJzZWNyZXQxMjM=', (s) => `proxy sent Authorization: Basic ${s}`),
  // Private keys
  sample(
    'RSA private key (PEM)',
    PEM_BODY,
    (s) => `key -----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY----- loaded`,
  ),
  sample(
    'OpenSSH private key',
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    (s) => `deploy key -----BEGIN OPENSSH PRIVATE KEY-----\n${s}\n-----END OPENSSH PRIVATE KEY-----`,
  ),
  // Connection strings
  sample('PostgreSQL URL', 'Pg5ecr3tPa55', (s) => `connect postgres://app:${s}@db:5432/orders failed`),
  sample(
    'MongoDB SRV URL',
    'M0ng0Pa55w0rdX',
    (s) => `mongo mongodb+srv://svc:${s}@cluster0.example.net/?retryWrites=true`,
  ),
  sample('Redis URL with password only', 'R3d1sAuthT0ken', (s) => `cache redis://:${s}@cache:6379/0 down`),
  sample(
    'SQL Server connection string',
    'P@ssw0rd!2024x',
    (s) => `Server=tcp:db,1433;Database=orders;User Id=sa;Password=${s};Encrypt=true`,
  ),
  sample('JDBC URL', 'jdbcS3cretVal', (s) => `jdbc:mysql://db:3306/orders?user=app&password=${s}&ssl=true`),
  // Key words, any case and separator
  sample('password in JSON', 'hunter2-correct-horse', (s) => `{"password":"${s}","user":"bob"}`),
  sample('PASSWORD upper case', 'Tr0ub4dor&3xyz', (s) => `PASSWORD: ${s}`),
  sample('api key header', 'a8f5f167f44f4964e6c998dee827110c', (s) => `X-Api-Key: ${s}`),
  sample('client secret', 'Qm9iU2VjcmV0VmFsdWUxMjM0', (s) => `oauth client_secret='${s}'`),
  sample('token after a space', 'tok9Xq2Lm7Vb4Zc', (s) => `refreshing token ${s} for user 42`),
  sample('Secret-Key header', 'SK-live-Zq8Wm3Xp7Lr2', (s) => `Secret-Key: ${s}`),
  sample('credential after is', 'cr3d-Vx8Qp2Lm9Z', (s) => `the credential is ${s}`),
  sample('db password in env style', 'ProdDbPw-2024-x9', (s) => `DB_PASSWORD=${s} loaded`),
  // Random-looking token with no key word at all
  sample('random token alone', 'q7Xv2Lp9Zr4Kt8Wm3Nb6Yc1Hd5Fg0Js', (s) => `callback ${s} done`),
];

/**
 * True when some 10-character piece of `secret` occurs in `text`. Pieces with fewer than 6 distinct characters
 * (`AAAAAAAAAB` in an OpenSSH key's fixed header) carry nothing secret and occur in any base64, so they are not
 * looked for.
 */
export function leaks(text: string, secret: string, piece = 10): boolean {
  if (secret.length <= piece) return text.includes(secret);
  for (let i = 0; i + piece <= secret.length; i++) {
    const part = secret.slice(i, i + piece);
    if (new Set(part).size >= 6 && text.includes(part)) return true;
  }
  return false;
}
