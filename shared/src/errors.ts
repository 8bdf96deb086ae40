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

export type ErrorCategory =
  'transient' | 'permanent' | 'invalid_input' | 'timeout' | 'dependency_unavailable' | 'conflict';

/** An error as events carry it (the contracts' ErrorInfo): category, code, message, the top of the stack. */
export function errorInfo(error: unknown): {
  category: ErrorCategory;
  code: string;
  message: string;
  stack: string | null;
} {
  const code = (error as { code?: unknown })?.code;
  return {
    category: isPermanent(error) ? 'permanent' : 'transient',
    code: typeof code === 'string' ? code : error instanceof Error ? error.name : 'error',
    message: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error && error.stack ? error.stack.slice(0, 4096) : null,
  };
}
