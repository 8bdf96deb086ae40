import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpError, badRequest } from '../errors.js';
import { traceIdFrom, type Logger } from '../observability/logger.js';
import type { Router } from './router.js';

const MAX_BODY_BYTES = 64 * 1024;

/**
 * The HTTP front of the service: JSON in and out, a trace id per request (echoed in `x-trace-id`), and one
 * completion line per request with its route template, status and duration.
 */
export function createHttpServer(router: Router, log: Logger): Server {
  return createServer((req, res) => {
    void handle(router, log, req, res);
  });
}

async function handle(
  router: Router,
  rootLog: Logger,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const traceId = traceIdFrom(req.headers);
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const matched = router.match(method, url.pathname);
  const route = 'handler' in matched ? matched.route : `${method} ${url.pathname}`;
  const log = rootLog.child({ traceId, route });
  let status = 500;
  let payload: unknown;
  try {
    if (!('handler' in matched)) {
      status = matched.allowed.length > 0 ? 405 : 404;
      payload = {
        error: status === 405 ? 'method_not_allowed' : 'not_found',
        message: `no route ${method} ${url.pathname}`,
      };
    } else {
      const body = await readJson(req);
      const reply = await matched.handler({
        params: matched.params,
        query: url.searchParams,
        headers: req.headers,
        body,
        traceId,
        route,
        log,
      });
      status = reply.status;
      payload = reply.body;
    }
  } catch (error) {
    if (error instanceof HttpError) {
      status = error.status;
      payload = {
        error: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      };
      if (status >= 500) log.error({ err: error }, `request failed code=${error.code}`);
      else log.info({ code: error.code }, `request rejected code=${error.code}`);
    } else {
      status = 500;
      payload = { error: 'internal', message: 'internal error', traceId };
      log.error(
        { err: error },
        `unhandled error in ${route}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-trace-id': traceId,
  });
  res.end(text);
  const ms = Math.round(performance.now() - started);
  const level = status >= 500 ? 'warn' : 'info';
  log[level](
    { step: 'respond', status, durationMs: ms },
    `${route} completed status=${status} took ${ms} ms`,
  );
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new HttpError(413, 'body_too_large', `bodies are limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw badRequest('invalid_json', 'the body is not valid JSON');
  }
}
