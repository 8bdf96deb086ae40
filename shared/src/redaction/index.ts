export {
  redactText,
  redactAttributes,
  isSecretKey,
  mergeCounts,
  redactionMarker,
  type RedactionKind,
  type RedactionCounts,
} from './policy.js';
export { isHighEntropyToken, isSecretShapedValue, entropyPerChar } from './tokens.js';
export {
  redactDeadLetter,
  keepDeadLetterOriginals,
  DLQ_REDACTION_HEADERS,
  type DeadLetterParts,
  type DeadLetterRedaction,
} from './deadLetter.js';
export { SECRET_CORPUS, leaks, type SecretSample } from './corpus.js';
