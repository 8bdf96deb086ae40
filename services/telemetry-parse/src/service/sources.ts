import { createHash } from 'node:crypto';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Kafka } from 'kafkajs';
import { PermanentError, append, headersToStrings, readRanges } from '@self-healing/shared';
import { isContinuationLine } from '../decode/index.js';
import type { PositionedRecord } from './steps.js';

export interface TelemetrySource {
  kind: 'kafka' | 'files';
  topic: string | null;
  partitions: Array<{ partition: number; fromOffset: number; toOffset: number }>;
  paths: string[];
}

export interface LoadedSource {
  name: string;
  format: 'plain_text' | 'json_lines' | 'otlp_protobuf' | 'otlp_json';
  bytes: number;
  records: number;
  fromOffset: number | null;
  toOffset: number | null;
  sha256: string | null;
}

/**
 * Resolves a requested path inside the configured log root, refusing anything that escapes it (`..`, absolute
 * paths elsewhere, symbolic links pointing outside).
 */
export async function resolveUnderRoot(logRoot: string, requested: string): Promise<string> {
  const root = await realpath(resolve(logRoot)).catch(() => {
    throw new PermanentError(`the log root ${logRoot} does not exist`, 'no-log-root');
  });
  const candidate = resolve(root, requested);
  let real: string;
  try {
    real = await realpath(candidate);
  } catch {
    throw new PermanentError(`${requested} does not exist under the log root`, 'not-found');
  }
  const rel = relative(root, real);
  if (rel.startsWith('..') || rel.split(sep).includes('..') || resolve(root, rel) !== real) {
    throw new PermanentError(`${requested} is outside the log root`, 'outside-log-root');
  }
  return real;
}

async function walk(path: string): Promise<string[]> {
  const s = await stat(path);
  if (s.isFile()) return [path];
  if (!s.isDirectory()) return [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    append(out, await walk(join(path, e.name)));
  }
  return out;
}

const JSON_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson']);

function fileFormat(path: string, text: string): LoadedSource['format'] {
  if (extname(path) === '.pb') return 'otlp_protobuf';
  if (JSON_EXTENSIONS.has(extname(path)) || text.trimStart().startsWith('{')) {
    return /^\s*\{\s*"resourceLogs"/.test(text) ? 'otlp_json' : 'json_lines';
  }
  return 'plain_text';
}

const CONTENT_TYPE: Record<LoadedSource['format'], string | undefined> = {
  plain_text: 'text/plain',
  json_lines: 'application/json',
  otlp_json: 'application/json; otlp',
  otlp_protobuf: 'application/x-protobuf; otlp',
};

/** Lines grouped into records of at most `max`, never splitting a stack trace from its line. */
export function groupLines(
  lines: readonly string[],
  max: number,
): Array<{ firstLine: number; text: string }> {
  const groups: Array<{ firstLine: number; lines: string[] }> = [];
  lines.forEach((line, i) => {
    const current = groups[groups.length - 1];
    if (current && (current.lines.length < max || isContinuationLine(line))) current.lines.push(line);
    else groups.push({ firstLine: i + 1, lines: [line] });
  });
  return groups.map((g) => ({ firstLine: g.firstLine, text: g.lines.join('\n') }));
}

/** A file source as records: one OTLP document per `.pb`/OTLP JSON file, line groups otherwise. */
export async function readFileRecords(
  file: string,
  logRoot: string,
  service: string | null,
): Promise<{ loaded: LoadedSource; records: PositionedRecord[] }> {
  const bytes = await readFile(file);
  const text = bytes.toString('utf8');
  const format = fileFormat(file, text);
  const name = relative(logRoot, file);
  const headers: Record<string, string | undefined> = { 'content-type': CONTENT_TYPE[format], file: name };
  if (service) headers.service = service;
  const records: PositionedRecord[] = [];
  if (format === 'otlp_protobuf' || format === 'otlp_json') {
    records.push({ position: `${name}:1`, record: { value: bytes, headers } });
  } else {
    const lines = text.split(/\r?\n/).filter((l, i, all) => l.length > 0 || i < all.length - 1);
    for (const g of groupLines(lines, 200)) {
      if (g.text.trim().length === 0) continue;
      records.push({
        position: `${name}:${g.firstLine}`,
        record: { value: Buffer.from(g.text, 'utf8'), headers },
      });
    }
  }
  const loaded: LoadedSource = {
    name,
    format,
    bytes: bytes.length,
    records: records.length,
    fromOffset: null,
    toOffset: null,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  return { loaded, records };
}

export interface ReadContext {
  kafka: Kafka;
  logRoot: string;
  rawTopic: string;
}

/** Reads everything a source names, in a stable order (partition then offset, or file then line). */
export async function readSource(
  source: TelemetrySource,
  services: readonly string[],
  ctx: ReadContext,
): Promise<{
  loaded: LoadedSource[];
  records: PositionedRecord[];
  skipped: Array<{ code: string; message: string }>;
}> {
  const loaded: LoadedSource[] = [];
  const records: PositionedRecord[] = [];
  const skipped: Array<{ code: string; message: string }> = [];
  if (source.kind === 'kafka') {
    const topic = source.topic ?? ctx.rawTopic;
    const perPartition = new Map<number, PositionedRecord[]>();
    await readRanges(ctx.kafka, topic, source.partitions, (messages, partition) => {
      const list = perPartition.get(partition) ?? [];
      for (const m of messages) {
        if (!m.value) continue;
        list.push({
          position: `${topic}/${partition}/${m.offset}`,
          record: {
            value: m.value,
            headers: headersToStrings(m.headers),
            key: m.key?.toString(),
            timestamp: Number(m.timestamp),
          },
        });
      }
      perPartition.set(partition, list);
    });
    for (const range of [...source.partitions].sort((a, b) => a.partition - b.partition)) {
      const list = (perPartition.get(range.partition) ?? []).sort(
        (a, b) => Number(a.position.split('/').pop()) - Number(b.position.split('/').pop()),
      );
      append(records, list);
      loaded.push({
        name: `${topic}/${range.partition}`,
        format: 'plain_text',
        bytes: list.reduce((n, r) => n + r.record.value.byteLength, 0),
        records: list.length,
        fromOffset: range.fromOffset,
        toOffset: range.toOffset,
        sha256: null,
      });
    }
    return { loaded, records, skipped };
  }
  const root = await realpath(resolve(ctx.logRoot));
  for (const requested of source.paths) {
    const path = await resolveUnderRoot(root, requested);
    for (const file of await walk(path)) {
      const { loaded: l, records: r } = await readFileRecords(file, root, services[0] ?? null);
      if (r.length === 0) {
        skipped.push({ code: 'empty-file', message: `${l.name} holds no records` });
        continue;
      }
      loaded.push(l);
      append(records, r);
    }
  }
  return { loaded, records, skipped };
}
