/**
 * Demo namespaces: every `npm run demo` parses its seeded log set into a namespace of its own (a database, and
 * topics, consumer groups and registry subjects under one prefix), because a second run in the same namespace
 * would see every event as late. Left alone they pile up on the servers: a database and about a dozen topics per
 * run. This module finds them and removes all but the newest few (`healctl demo prune`, and the demo itself on
 * start).
 *
 * A namespace is named `demo_<UTC yyyymmddThhmmss>_<4 hex>`, so that names sort by age. Names from before the
 * timestamp (`demo_<8 hex>`) are recognised as the oldest.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import type { MongoClient } from 'mongodb';
import { connectMongo, createKafka } from '@self-healing/shared';
import { endpoints, logger } from '../context.js';
import { integerIn } from '../options.js';
import { CliError, printJson } from '../output.js';

const STAMPED = /^demo_(\d{8}t\d{6})_[0-9a-f]{4}$/;
const LEGACY = /^demo_[0-9a-f]{8}$/;

/** A fresh namespace name for a demo run starting at `now` (`random`: 4 hex digits, against same-second runs). */
export function newDemoNamespace(now: Date, random: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .toLowerCase();
  return `demo_${stamp}_${random}`;
}

export function isDemoNamespace(name: string): boolean {
  return STAMPED.test(name) || LEGACY.test(name);
}

/** The demo namespace a topic, group or subject belongs to (`<namespace>.<rest>`), if any. */
export function namespaceOfPrefixed(name: string): string | null {
  const dot = name.indexOf('.');
  if (dot < 0) return null;
  const ns = name.slice(0, dot);
  return isDemoNamespace(ns) ? ns : null;
}

/** What the servers hold for one namespace. */
export interface DemoNamespace {
  name: string;
  database: boolean;
  topics: string[];
  groups: string[];
  subjects: string[];
}

/** Group the servers' databases, topics, consumer groups and subjects by demo namespace, oldest first. */
export function groupDemoNamespaces(found: {
  databases: readonly string[];
  topics: readonly string[];
  groups: readonly string[];
  subjects: readonly string[];
}): DemoNamespace[] {
  const byName = new Map<string, DemoNamespace>();
  const entry = (name: string) => {
    let ns = byName.get(name);
    if (!ns) byName.set(name, (ns = { name, database: false, topics: [], groups: [], subjects: [] }));
    return ns;
  };
  for (const d of found.databases) if (isDemoNamespace(d)) entry(d).database = true;
  for (const [list, key] of [
    [found.topics, 'topics'],
    [found.groups, 'groups'],
    [found.subjects, 'subjects'],
  ] as const) {
    for (const item of list) {
      const ns = namespaceOfPrefixed(item);
      if (ns) entry(ns)[key].push(item);
    }
  }
  return [...byName.values()].sort((a, b) => ageKey(a.name).localeCompare(ageKey(b.name)));
}

/** Legacy names carry no time: they sort before every stamped one (they are from before stamping began). */
function ageKey(name: string): string {
  const m = STAMPED.exec(name);
  return m ? `1${m[1]!}${name}` : `0${name}`;
}

/** The namespaces to remove so that only the newest `keep` remain. */
export function staleDemoNamespaces(all: readonly DemoNamespace[], keep: number): DemoNamespace[] {
  const k = Math.max(0, Math.floor(keep));
  return all.slice(0, Math.max(0, all.length - k));
}

export interface DemoServers {
  kafka: Kafka;
  mongo: MongoClient;
  registryUrl: string;
}

/** Where `npm run demo` keeps a run's files (the service's repository and builds, the logs): `.demo/<namespace>`. */
export const DEMO_WORK_ROOT = resolve('.demo');

export async function listDemoNamespaces(s: DemoServers): Promise<DemoNamespace[]> {
  const admin = s.kafka.admin();
  await admin.connect();
  try {
    const [databases, topics, groups, subjects] = await Promise.all([
      s.mongo
        .db('admin')
        .admin()
        .listDatabases({ nameOnly: true })
        .then((r) => r.databases.map((d) => d.name)),
      admin.listTopics(),
      admin.listGroups().then((r) => r.groups.map((g) => g.groupId)),
      registryJson<string[]>(s.registryUrl, '/subjects').then((r) => r ?? []),
    ]);
    return groupDemoNamespaces({ databases, topics, groups, subjects });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Remove a namespace: its consumer groups first (a group with members refuses: the namespace is in use, and
 * nothing of it is removed), then topics, registry subjects (soft, then permanent delete, as the registry requires)
 * and the database.
 */
export async function removeDemoNamespace(s: DemoServers, ns: DemoNamespace): Promise<void> {
  const admin = s.kafka.admin();
  await admin.connect();
  try {
    if (ns.groups.length > 0) await admin.deleteGroups(ns.groups);
    if (ns.topics.length > 0) await admin.deleteTopics({ topics: ns.topics, timeout: 30_000 });
  } finally {
    await admin.disconnect();
  }
  for (const subject of ns.subjects) {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    await registryJson(s.registryUrl, path, 'DELETE', [404]);
    await registryJson(s.registryUrl, `${path}?permanent=true`, 'DELETE', [404]);
  }
  if (ns.database) await s.mongo.db(ns.name).dropDatabase();
  await rm(join(DEMO_WORK_ROOT, ns.name), { recursive: true, force: true });
}

export interface PruneResult {
  removed: string[];
  /** Namespaces that could not be removed (for example still in use), with why; the others are still removed. */
  failed: Array<{ name: string; reason: string }>;
}

/** Remove all but the newest `keep` demo namespaces. */
export async function pruneDemoNamespaces(s: DemoServers, keep: number): Promise<PruneResult> {
  const result: PruneResult = { removed: [], failed: [] };
  for (const ns of staleDemoNamespaces(await listDemoNamespaces(s), keep)) {
    try {
      await removeDemoNamespace(s, ns);
      result.removed.push(ns.name);
    } catch (error) {
      result.failed.push({ name: ns.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/**
 * What a demo does on start: all but the newest `DEMO_KEEP_RUNS` (default 2) earlier namespaces are removed, so the
 * last runs stay inspectable with healctl. A failure here is reported, never fatal.
 */
export async function pruneEarlierDemoRuns(
  e: { kafkaBrokers: string[]; mongodbUri: string; schemaRegistryUrl: string },
  say: (line: string) => void,
): Promise<void> {
  const keep = Number(process.env.DEMO_KEEP_RUNS ?? 2);
  const { client } = await connectMongo(e.mongodbUri, 'admin');
  try {
    const { removed, failed } = await pruneDemoNamespaces(
      { kafka: createKafka('demo-prune', e.kafkaBrokers), mongo: client, registryUrl: e.schemaRegistryUrl },
      Number.isInteger(keep) && keep >= 0 ? keep : 2,
    );
    if (removed.length > 0)
      say(`     removed ${removed.length} earlier demo namespace(s), keeping the last ${keep}`);
    for (const f of failed) say(`     could not remove ${f.name}: ${f.reason}`);
  } catch (error) {
    say(
      `     could not prune earlier demo namespaces: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    await client.close();
  }
}

async function registryJson<T>(
  base: string,
  path: string,
  method: 'GET' | 'DELETE' = 'GET',
  tolerated: number[] = [],
): Promise<T | null> {
  const res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
    method,
    headers: { Accept: 'application/vnd.schemaregistry.v1+json, application/json' },
  });
  if (tolerated.includes(res.status)) return null;
  if (!res.ok) throw new Error(`schema registry ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** `healctl demo list|prune`: what `npm run demo` left on the servers, and clearing it. */
export function registerDemoCommands(program: Command): void {
  const demo = program.command('demo').description('the namespaces `npm run demo` runs leave on the servers');
  demo
    .command('list')
    .description('every demo namespace, oldest first, with what it holds')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const list = await withDemoServers(listDemoNamespaces);
      if (opts.json) printJson(list);
      else if (list.length === 0) process.stdout.write('no demo namespaces\n');
      else
        for (const ns of list)
          process.stdout.write(
            `${ns.name}  database: ${ns.database ? 'yes' : 'no'}, ${ns.topics.length} topics, ${ns.groups.length} groups, ${ns.subjects.length} subjects\n`,
          );
    });
  demo
    .command('prune')
    .description('remove all demo namespaces but the newest ones (database, topics, groups, subjects)')
    .option('--keep <n>', 'how many of the newest to keep', integerIn(0), 0)
    .option('--json', 'machine-readable output')
    .action(async (opts: { keep: number; json?: boolean }) => {
      const keep = opts.keep;
      const result = await withDemoServers((s) => pruneDemoNamespaces(s, keep));
      if (opts.json) printJson(result);
      else {
        const { removed, failed } = result;
        process.stdout.write(removed.length ? `removed ${removed.join(', ')}\n` : 'nothing removed\n');
        for (const f of failed) process.stdout.write(`could not remove ${f.name}: ${f.reason}\n`);
      }
      if (result.failed.length > 0)
        throw new CliError(`${result.failed.length} demo namespace(s) could not be removed`);
    });
}

async function withDemoServers<T>(fn: (s: DemoServers) => Promise<T>): Promise<T> {
  const e = await endpoints();
  const { client } = await connectMongo(e.mongodbUri, 'admin');
  try {
    return await fn({
      kafka: createKafka('healctl', e.kafkaBrokers, logger),
      mongo: client,
      registryUrl: e.schemaRegistryUrl,
    });
  } finally {
    await client.close();
  }
}
