import { TemplateMiner } from '../mining/index.js';
import { MINERS_BEFORE, deadLetter, extractRun, type ParseBeat } from '../service/deps.js';

/**
 * Beat 3. Decodes, redacts and mines every record; undecodable records go to the dead-letter topic. Miners start
 * from their state before this run (a retry mines the same way); that starting state is also kept with the run,
 * so a later beat that has to recompute extraction does it exactly.
 */
export const extractTelemetryEvents: ParseBeat<'extractTelemetryEvents'> = async (
  { runId, earlier },
  deps,
) => {
  const requested = earlier.TelemetryParseRequested;
  const records = deps.memo.get(runId, 'records') ?? (await deps.readRunSource(requested)).records;
  const run = await extractRun(
    deps.decoders,
    records,
    requested,
    (service) => deps.miners.load(service, runId),
    deps.settings.headerFormats,
  );
  await deps.staging.write(
    runId,
    MINERS_BEFORE,
    [...run.before].map(([service, snapshot]) => ({ service, snapshot })),
  );
  for (const [service, miner] of run.miners)
    await deps.miners.save(service, runId, run.before.get(service) ?? null, miner.snapshot());
  const extracted = run.extracted;
  deps.memo.set(runId, 'extracted', extracted);
  deps.memo.forget(runId, 'records');
  return {
    event: {
      type: 'TelemetryEventsExtracted',
      payload: {
        parser: {
          name: 'drain-family-miner',
          version: deps.settings.parserVersion,
          configHash: TemplateMiner.name,
        },
        records: extracted.records,
        events: extracted.events.length,
        unparsed: extracted.unparsed,
        byFormat: extracted.byFormat,
        templates: extracted.templates,
        newTemplates: extracted.newTemplates.length,
        withStack: extracted.withStack,
        rejected: extracted.rejected,
        redactions: extracted.redactions,
      },
    },
    raw: extracted.deadLetters.map((d) => deadLetter(deps.topics.deadLetter, records, d)),
  };
};
