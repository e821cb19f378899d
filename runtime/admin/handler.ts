// One admin request, start to end: guards (Host, cross-site, token), route, method, id, body,
// the route itself, the reply and the access log line. Nothing a client sends can make it throw
// past this function or leave the request unanswered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import { hasRequestBody, MAX_BODY_BYTES, parseJsonBody, readBody } from './body.ts';
import { isCrossSiteRequest, mediaType } from './csrf-guard.ts';
import { failed, type Reply, replySummary, writeReply } from './respond.ts';
import { decodeId, type RouteMatch, requestPath } from './router.ts';

export interface HandlerDeps {
  match(path: string): RouteMatch | undefined;
  /** The Host check; replaced once the listener knows its port. */
  hostAllowed(host: string | undefined): boolean;
  tokenMatches(authorization: string | undefined): boolean;
  logger: Logger;
  writeTimeoutMs: number;
  /** True once close() started: replies then close their connection. */
  closing(): boolean;
}

const READ_METHODS = new Set(['GET', 'HEAD']);
const LOG_PATH_MAX = 200;

interface Outcome {
  reply: Reply;
  /** Close the connection after the reply (unread or oversized body). */
  close?: boolean;
  /** The request was refused by a guard (logged at warn). */
  refused?: boolean;
}

/** Creates the `request` listener of the admin server. */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger } = deps;

  async function decide(req: IncomingMessage, path: string | undefined): Promise<Outcome | undefined> {
    const matched = path === undefined ? undefined : deps.match(path);
    const route = matched?.route;
    const unreadBody = hasRequestBody(req);
    if (!route?.open) {
      if (!deps.hostAllowed(req.headers.host)) {
        return { reply: failed(421, 'MisdirectedRequest'), close: unreadBody, refused: true };
      }
      if (isCrossSiteRequest(req, deps.hostAllowed)) {
        return { reply: failed(403, 'CrossSiteRequest'), close: unreadBody, refused: true };
      }
      if (!deps.tokenMatches(req.headers.authorization)) {
        const headers = { 'WWW-Authenticate': 'Bearer realm="sluice-admin"' };
        return { reply: failed(401, 'Unauthorized', headers), close: unreadBody, refused: true };
      }
    }
    if (!matched || !route) return { reply: failed(404, 'NoSuchEndpoint'), close: unreadBody };

    const method = req.method ?? '';
    if (route.access === 'read') {
      if (!READ_METHODS.has(method)) {
        return { reply: failed(405, 'MethodNotAllowed', { Allow: 'GET, HEAD' }), close: unreadBody };
      }
    } else if (method !== 'POST') {
      return { reply: failed(400, 'OnlyPostAllowed', { Allow: 'POST' }), close: unreadBody };
    }

    let id = '';
    if (route.withId) {
      if (matched.rawId === '') return { reply: failed(404, 'NotFound'), close: unreadBody };
      const decoded = decodeId(matched.rawId);
      if (decoded === undefined) return { reply: failed(400, 'BadId'), close: unreadBody };
      id = decoded;
    }

    let body: unknown;
    if (route.access === 'action') {
      if (route.jsonBody) {
        const type = mediaType(req.headers['content-type']);
        if (type !== undefined && type !== 'application/json' && !type.endsWith('+json')) {
          return {
            reply: failed(415, 'UnsupportedMediaType: send Content-Type: application/json'),
            close: unreadBody,
          };
        }
      }
      // Action bodies are read (and capped) even when the route ignores them.
      const read = await readBody(req, MAX_BODY_BYTES, route.jsonBody === true);
      if (read.kind === 'aborted') return undefined;
      if (read.kind === 'too-large') return { reply: failed(413, 'BodyTooLarge'), close: true };
      if (route.jsonBody) {
        const parsed = parseJsonBody(read.body);
        if (!parsed.ok) return { reply: failed(400, parsed.reason) };
        body = parsed.value;
      }
    }

    try {
      return { reply: await route.handle({ id, body }), close: route.access === 'read' && unreadBody };
    } catch (err) {
      logger.error({ err, method, path: clip(path) }, 'admin route failed');
      return { reply: failed(500, `InternalError: ${messageOf(err)}`), close: unreadBody };
    }
  }

  function finish(
    req: IncomingMessage,
    res: ServerResponse,
    path: string | undefined,
    outcome: Outcome | undefined,
  ) {
    if (!outcome || res.destroyed) return; // the client left
    if (deps.writeTimeoutMs > 0) res.setTimeout(deps.writeTimeoutMs, () => res.destroy());
    const status = writeReply(res, outcome.reply, outcome.close === true || deps.closing());
    const entry = {
      method: req.method,
      path: clip(path ?? req.url),
      status,
      result: clip(replySummary(outcome.reply)),
    };
    if (status >= 500) logger.error(entry, 'admin request');
    else if (outcome.refused) logger.warn(entry, 'admin request refused');
    else if (req.method === 'POST') logger.info(entry, 'admin action');
    else logger.debug(entry, 'admin request');
  }

  return function handleAdminRequest(req, res) {
    const path = requestPath(req.url);
    decide(req, path)
      .then((outcome) => finish(req, res, path, outcome))
      .catch((err: unknown) => {
        // Only a bug in this file gets here; answer if we still can.
        logger.error({ err, method: req.method, path: clip(path) }, 'admin request failed');
        try {
          if (res.headersSent) res.destroy();
          else writeReply(res, failed(500, `InternalError: ${messageOf(err)}`), true);
        } catch {
          res.destroy();
        }
      });
  };
}

function clip(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= LOG_PATH_MAX) return text;
  return `${text.slice(0, LOG_PATH_MAX)}…(${text.length} chars)`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
