/**
 * Compile-time proof that the Avro schemas carry the domain.ts shapes field for field: if a schema or a
 * domain type changes alone, `tsc` (the build, not only the tests) fails here.
 */
import type { AvroType } from './avro/dsl.js';
import type {
  Finding as FindingSchema,
  FindingKind as FindingKindSchema,
  Severity as SeveritySchema,
} from './avro/common.js';
import type { WindowAggregate as WindowAggregateSchema } from './avro/common.js';
import type { Finding, FindingKind, Severity, WindowAggregate } from './domain.js';
import type { PayloadOf } from './events.js';

/** True only when A and B are the same type (TypeScript's identity relation, not mere assignability). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export type _DomainAgreement = [
  Assert<Equal<AvroType<typeof WindowAggregateSchema>, WindowAggregate>>,
  Assert<Equal<AvroType<typeof FindingSchema>, Finding>>,
  Assert<Equal<AvroType<typeof FindingKindSchema>, FindingKind>>,
  Assert<Equal<AvroType<typeof SeveritySchema>, Severity>>,
  Assert<Equal<PayloadOf<'TelemetryParseCompleted'>['aggregates'][number], WindowAggregate>>,
  Assert<Equal<PayloadOf<'PerformanceAnomaliesDetected'>['findings'][number], Finding>>,
  Assert<Equal<PayloadOf<'BehavioralAnomaliesDetected'>['findings'][number], Finding>>,
  Assert<Equal<PayloadOf<'CoverageGapsDetected'>['findings'][number], Finding>>,
  Assert<Equal<PayloadOf<'ErrorPatternsDetected'>['findings'][number], Finding>>,
  Assert<Equal<PayloadOf<'IncidentOpened'>['findings'][number], Finding>>,
  Assert<Equal<PayloadOf<'IncidentOpened'>['severity'], Severity>>,
  Assert<Equal<PayloadOf<'AnomalyResultsAggregated'>['groups'][number]['kinds'][number], FindingKind>>,
];
