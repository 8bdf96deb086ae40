import { topicCatalogueJson } from './catalogue.js';
import { avscFiles } from './events.js';
import { pluginId, sequences } from './sequences.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every generated contract file, path relative to the schemas workspace -> content. Pure: no I/O. */
export function generatedFiles(): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const [name, schema] of avscFiles()) files.set(`avro/${name}`, json(schema));
  for (const s of sequences) files.set(`sequences/${s.id}.json`, json(s));
  files.set(
    'sequences/index.json',
    json({
      pluginId,
      id: 'self-healing',
      name: 'Self-Healing Platform',
      description:
        'The seven stages that take production telemetry to a verified, deployed and measured fix.',
      sequences: sequences.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        file: `${s.id}.json`,
      })),
    }),
  );
  files.set('topics.json', json(topicCatalogueJson()));
  return files;
}
