/**
 * An error that retrying cannot fix (a malformed request, a schema that does not exist, a patch that does not
 * apply). The consumer loop dead-letters it at once instead of spending its retries.
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly code: string = 'permanent',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/**
 * An error that says nothing about the message being handled (the broker went away mid-commit, a client had to be
 * replaced): another attempt can succeed whatever its causes say about themselves.
 */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
  }
}

export type ErrorCategory =
  'transient' | 'permanent' | 'invalid_input' | 'timeout' | 'dependency_unavailable' | 'conflict';

export interface ErrorClass {
  category: ErrorCategory;
  /** Whether another attempt can succeed. */
  retryable: boolean;
  /** Why it was so classified, for logs and dead-letter headers. */
  because: string;
}

/**
 * Kafka protocol errors that the same request meets again however often it is retried: a record the broker
 * will never take, a topic or partition that does not exist, offsets that are gone, rights that are missing.
 */
const KAFKA_PERMANENT = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'CORRUPT_MESSAGE',
  'INVALID_TOPIC_EXCEPTION',
  'OFFSET_OUT_OF_RANGE',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'INVALID_REQUIRED_ACKS',
  'POLICY_VIOLATION',
]);

/**
 * kafkajs errors that say the cluster is away or moving (a broker restarting, a coordinator being elected): kafkajs
 * gives up on them after its own few retries with a "non-retriable" error, but a consumer that lives for days can
 * wait for the broker to come back (seen: "Failed to find group coordinator" failing a validation after a restart).
 */
const KAFKA_CLUSTER_AWAY =
  /^KafkaJS(?:Connection|ConnectionClosed|BrokerNotFound|GroupCoordinatorNotFound|NumberOfRetriesExceeded|RequestTimeout|LockTimeout)(?:Error)?$/;
const KAFKA_CLUSTER_AWAY_TYPES = new Set([
  'COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'NOT_COORDINATOR',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  'BROKER_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'CONCURRENT_TRANSACTIONS',
]);
const KAFKA_CLUSTER_AWAY_MESSAGE =
  /group coordinator|broker not (?:found|available)|connection (?:error|closed)/i;

/** Socket and DNS failures: the dependency is away for now. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** Messages of limits that no retry moves: Kafka's max message size, MongoDB's 16 MB document, BSON's size. */
const TOO_LARGE =
  /larger than the max(?:imum)? message size|message too large|MESSAGE_TOO_LARGE|document is larger than|BSONObjectTooLarge|object to insert too large|exceeds maximum (?:BSON|document) size/i;

/** MongoDB server error codes that a retry meets again (bad value, document too large, invalid namespace ...). */
const MONGO_PERMANENT = new Set([2, 9, 14, 17, 52, 73, 10334, 17419, 16755]);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errorLabels?: unknown;
}

/** The chain of causes (kafkajs wraps in `originalError`, others in `cause`), first the error itself. */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  while (current && typeof current === 'object' && out.length < 8) {
    out.push(current as ErrorLike);
    const next = (current as ErrorLike).originalError ?? (current as ErrorLike).cause;
    if (next === current) break;
    current = next;
  }
  return out;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Tells errors that another attempt can fix (a broker or registry restarting, a timeout, a lost connection) from
 * those it cannot (input that breaks a limit or a contract, a topic that does not exist, a bug). The consumer
 * loop retries the first kind with backoff and fails the second at once, so one bad message does not hold its
 * partition for minutes.
 */
export function classifyError(error: unknown): ErrorClass {
  const links = chain(error);
  if (error instanceof TransientError || str((error as { name?: unknown } | null)?.name) === 'TransientError')
    return { category: 'transient', retryable: true, because: 'transient' };
  for (const e of links) {
    const name = str(e.name);
    const message = str(e.message);
    const code = e.code;
    const type = str(e.type);
    if (error instanceof PermanentError || name === 'PermanentError')
      return {
        category: 'permanent',
        retryable: false,
        because: str((error as PermanentError).code) || name,
      };
    if (type && KAFKA_PERMANENT.has(type))
      return { category: 'permanent', retryable: false, because: `kafka ${type}` };
    if (TOO_LARGE.test(message)) return { category: 'invalid_input', retryable: false, because: 'too large' };
    if (/^ConfluentSchemaRegistry(?:Validation|Argument)Error$/.test(name) || /^AvroValidation/.test(name))
      return { category: 'invalid_input', retryable: false, because: name };
    if (name === 'ConfluentSchemaRegistryCompatibilityError')
      return { category: 'permanent', retryable: false, because: name };
    if (typeof code === 'string' && NETWORK_CODES.has(code))
      return { category: 'dependency_unavailable', retryable: true, because: code };
    if (code === 'ETIMEDOUT' || /Timeout/.test(name) || type === 'REQUEST_TIMED_OUT')
      return { category: 'timeout', retryable: true, because: name || 'timeout' };
    if (/^Mongo(?:Network|ServerSelection|NotConnected|PoolCleared)/.test(name))
      return { category: 'dependency_unavailable', retryable: true, because: name };
    if (/^Mongo/.test(name) && typeof code === 'number') {
      if (code === 11000) return { category: 'conflict', retryable: true, because: 'duplicate key' };
      if (MONGO_PERMANENT.has(code))
        return { category: 'permanent', retryable: false, because: `mongo code ${code}` };
    }
    if (name === 'BSONError') return { category: 'invalid_input', retryable: false, because: name };
  }
  const first = links[0];
  const name = str(first?.name);
  // Bugs: the same input takes the same path into them again. A TypeError from fetch ("fetch failed") is a
  // network failure, which the cause chain above has already recognized when it says so.
  if (name === 'RangeError' || name === 'SyntaxError' || name === 'ReferenceError')
    return { category: 'permanent', retryable: false, because: name };
  if (name === 'TypeError' && !/fetch failed|network|socket/i.test(str(first?.message)))
    return { category: 'permanent', retryable: false, because: name };
  if (first && first.retriable === false && /^KafkaJS/.test(name)) {
    const away = links.some(
      (e) =>
        KAFKA_CLUSTER_AWAY.test(str(e.name)) ||
        KAFKA_CLUSTER_AWAY_TYPES.has(str(e.type)) ||
        KAFKA_CLUSTER_AWAY_MESSAGE.test(str(e.message)),
    );
    if (away) return { category: 'dependency_unavailable', retryable: true, because: `${name}: kafka away` };
    return { category: 'permanent', retryable: false, because: name };
  }
  return { category: 'transient', retryable: true, because: name || 'unknown' };
}

/** True when retrying cannot help: a PermanentError, or an error `classifyError` finds non-transient. */
export function isPermanent(error: unknown): boolean {
  return !classifyError(error).retryable;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** An error as events carry it (the contracts' ErrorInfo): category, code, message, the top of the stack. */
export function errorInfo(error: unknown): {
  category: ErrorCategory;
  code: string;
  message: string;
  stack: string | null;
} {
  const code = (error as { code?: unknown })?.code;
  return {
    category: classifyError(error).category,
    code: typeof code === 'string' ? code : error instanceof Error ? error.name : 'error',
    message: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error && error.stack ? error.stack.slice(0, 4096) : null,
  };
}
