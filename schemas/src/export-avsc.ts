/**
 * Writes the generated contract files other teams read: `avro/*.avsc`, `sequences/*.json` and `topics.json`.
 * Run after changing a schema, a sequence or a topic, and commit the result:
 *   npx tsx --conditions=development schemas/src/export-avsc.ts
 * A unit test fails while the committed files differ from what this script would write.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { generatedFiles } from './generated.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const files = generatedFiles();

// Stale .avsc files (a renamed event) must disappear, or other teams would keep reading them.
mkdirSync(join(root, 'avro'), { recursive: true });
for (const name of readdirSync(join(root, 'avro'))) {
  if (name.endsWith('.avsc') && !files.has(`avro/${name}`)) rmSync(join(root, 'avro', name));
}
for (const [path, content] of files) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  // The repository's format check covers .json (not .avsc); the contract test compares parsed JSON, not bytes.
  const text = path.endsWith('.json')
    ? await format(content, { ...(await resolveConfig(file)), filepath: file })
    : content;
  writeFileSync(file, text);
}
console.log(JSON.stringify({ written: files.size, root }));
