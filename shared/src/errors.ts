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

export function isPermanent(error: unknown): boolean {
  return error instanceof PermanentError;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
