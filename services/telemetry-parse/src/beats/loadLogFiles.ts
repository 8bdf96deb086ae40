import { loadedForEvent, type ParseBeat } from '../service/deps.js';

/** Beat 2. Reads the source once to know what it holds (sizes, records, hashes); an empty source is refused. */
export const loadLogFiles: ParseBeat<'loadLogFiles'> = async ({ runId, earlier }, deps) => {
  const { loaded, records, skipped } = await deps.readRunSource(earlier.TelemetryParseRequested);
  if (records.length === 0) {
    return {
      event: {
        type: 'TelemetryParseRejected',
        payload: {
          reasons: [
            { code: 'empty-source', message: 'the source holds no records', field: 'source' },
            ...skipped.map((s) => ({ ...s, field: 'source' })),
          ],
          commandType: 'ParseTelemetryCommand',
          commandId: null,
        },
      },
    };
  }
  deps.memo.set(runId, 'records', records);
  return {
    event: {
      type: 'LogFilesLoaded',
      payload: {
        sources: loaded.map(loadedForEvent),
        bytes: loaded.reduce((n, s) => n + s.bytes, 0),
        records: records.length,
        skipped: skipped.map((s) => ({ ...s, field: null })),
      },
    },
  };
};
