/** An error the client caused or must know about: it carries the HTTP status and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>): HttpError =>
  new HttpError(400, code, message, details);
export const notFound = (what: string, id: string): HttpError =>
  new HttpError(404, 'not_found', `${what} ${id} not found`);
