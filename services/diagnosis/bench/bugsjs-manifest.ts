/**
 * Writes a bench:localize manifest for the BugsJS Express bundle.
 *
 *   npx tsx services/diagnosis/bench/bugsjs-manifest.ts --dataset ../shared/datasets/bugsjs --repo /tmp/bugsjs/express \
 *       --out /tmp/bugsjs/manifest.json
 *
 * --repo is a clone of `express.bundle` outside this repository (cloned there when missing). The test command of each
 * bug comes from `Express_commands.csv` with mocha's reporter switched to json-stream (the json reporter hangs on
 * Node 20), run on Node 10 unless `--node` says otherwise. Bugs 12 and 15 are left out (see the dataset README: unusable with today's dependency releases).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BugSpec } from './manifest.js';

const UNUSABLE = new Set(['12', '15']);

/**
 * The suites run on Node 10 (`--node <version>`, or `--node machine` for the machine's own): on Node 20 the mocha 1.x
 * of these commits reports a different third of the tests in each run (bench/runtime.ts), on Node 10 the same ones.
 */
const DEFAULT_NODE = '10.24.1';

function main(): void {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string' },
      repo: { type: 'string' },
      out: { type: 'string' },
      node: { type: 'string', default: DEFAULT_NODE },
    },
  });
  // On the machine's Node (20), etag's MD4 needs OpenSSL's legacy provider; Node 10 has it built in and refuses the
  // option in NODE_OPTIONS.
  const runtime: Pick<BugSpec, 'env' | 'node'> =
    values.node === 'machine'
      ? { env: { NODE_OPTIONS: '--openssl-legacy-provider' } }
      : { node: values.node!, env: {} };
  if (!values.dataset || !values.repo || !values.out) {
    throw new Error('usage: --dataset <bugsjs folder> --repo <scratch clone> --out <manifest.json>');
  }
  const repo = resolve(values.repo);
  const out = resolve(values.out);
  const here = resolve(process.cwd());
  if (repo.startsWith(here + '/') || out.startsWith(here + '/')) {
    throw new Error('--repo and --out must be outside the current repository');
  }
  if (!existsSync(repo))
    execFileSync('git', ['clone', '-q', join(resolve(values.dataset), 'express.bundle'), repo]);
  const csv = readFileSync(join(values.dataset, 'Express_commands.csv'), 'utf8').trim().split('\n').slice(1);
  const bugs: BugSpec[] = [];
  for (const row of csv) {
    const [id, command] = row.split(';');
    if (!id || !command || UNUSABLE.has(id)) continue;
    const test = command
      .trim()
      .split(/\s+/)
      .map((arg, i, all) => (all[i - 1] === '--reporter' ? 'json-stream' : arg));
    bugs.push({
      id: `express-${id}`,
      repo,
      buggyRef: `Bug-${id}`,
      fixedRef: `Bug-${id}-fix`,
      testRef: `Bug-${id}-test`,
      fullRef: `Bug-${id}-full`,
      install: ['npm', 'install', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund'],
      test,
      ...runtime,
      timeoutSeconds: 600,
    });
  }
  bugs.sort((a, b) => Number(a.buggyRef.slice(4)) - Number(b.buggyRef.slice(4)));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ bugs }, null, 2) + '\n');
  process.stdout.write(JSON.stringify({ manifest: out, bugs: bugs.length }) + '\n');
}

main();
