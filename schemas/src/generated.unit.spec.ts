import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generatedFiles } from './generated.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const regenerate = 'run `npx tsx --conditions=development schemas/src/export-avsc.ts` and commit the result';

describe('committed contract files', () => {
  const files = generatedFiles();

  it('given the schemas in TypeScript, every committed .avsc, sequence and topics.json equals the generated one', () => {
    for (const [path, content] of files) {
      let committed: unknown;
      try {
        committed = JSON.parse(readFileSync(join(root, path), 'utf8'));
      } catch {
        throw new Error(`${path} is missing: ${regenerate}`);
      }
      // Parsed, not byte for byte: the JSON files are formatted by prettier after generation.
      expect(committed, `${path} is stale: ${regenerate}`).toEqual(JSON.parse(content));
    }
  });

  it('given the avro folder, it holds no .avsc the schemas no longer define', () => {
    const committed = readdirSync(join(root, 'avro')).filter((n) => n.endsWith('.avsc'));
    expect(committed.sort()).toEqual(
      [...files.keys()]
        .filter((p) => p.startsWith('avro/'))
        .map((p) => p.slice(5))
        .sort(),
    );
  });

  it('given the sequence index, it lists the seven sequence files in pipeline order', () => {
    const index = JSON.parse(files.get('sequences/index.json')!) as { sequences: { file: string }[] };
    expect(index.sequences.map((s) => s.file)).toEqual([
      'telemetry.parse.json',
      'anomaly.detect.json',
      'diagnosis.analyze.json',
      'fix.generate.json',
      'validation.run.json',
      'deployment.deploy.json',
      'learning.track.json',
    ]);
    for (const s of index.sequences) expect(files.has(`sequences/${s.file}`)).toBe(true);
  });
});
