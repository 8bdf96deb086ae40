/**
 * Secret redaction, as the platform's one redaction policy defines it (shared/src/redaction: the rules, the
 * secret corpus they are tested against, and the dead-letter redactor). Runs on every message before template
 * mining and on every attribute before anything is stored or emitted.
 */
export {
  redactText,
  redactAttributes,
  isSecretKey,
  mergeCounts,
  type RedactionKind,
  type RedactionCounts,
} from '@self-healing/shared/redaction';
