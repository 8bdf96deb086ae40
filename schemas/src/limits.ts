/**
 * Caps producers apply so that every event stays well under Kafka's default 1 MB message limit. Bulk data
 * lives in MongoDB; events carry summaries and references. The contract test encodes worst cases at these caps.
 */
export const payloadLimits = {
  /** WindowAggregates inlined in TelemetryParseCompleted; beyond it `aggregatesComplete` is false. */
  inlineAggregates: 500,
  /** Findings per detector event, per incident event (IncidentOpened, IncidentUpdated, IncidentReopened). */
  findingsPerEvent: 500,
  /** Items of the other lists documented as capped (test failures, diagnostics, CI checks, comparisons ...). */
  listItems: 50,
  /** Encoded size every event must stay below, Confluent header included. */
  eventBytes: 1_000_000,
} as const;
