/**
 * Reads webhook bodies with bounds, before anything parses or verifies them: the webhook
 * middleware reads a body whole before it checks the signature, so without a bound one unsigned
 * POST of hundreds of megabytes fills the server's memory. GitHub caps webhook payloads at 25 MB.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** GitHub's cap on a webhook payload. */
export const GITHUB_PAYLOAD_LIMIT = 25 * 1024 * 1024;

/** Bounds of {@link createBodyGuard}. */
export interface BodyLimits {
  /** Largest body accepted, in bytes; a larger one is answered 413 without being kept. */
  readonly maxBodyBytes: number;
  /** Bytes all bodies being read at once may hold; beyond it new webhooks are answered 503. */
  readonly maxBufferedBytes: number;
}

/** The limits the server uses: GitHub's payload cap, and four such bodies in memory at once. */
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBodyBytes: GITHUB_PAYLOAD_LIMIT, maxBufferedBytes: 4 * GITHUB_PAYLOAD_LIMIT };

/** A request whose body the guard has read: the webhook middleware takes a string `body` as is. */
type ReadRequest = IncomingMessage & { body?: string };

/**
 * createBodyGuard returns a handler that reads the body of a signed webhook POST within the
 * limits and hands the request, body attached, to `next`. Requests without a signature header go
 * to `next` unread (the webhook middleware refuses them from their headers alone).
 */
export function createBodyGuard(
  limits: BodyLimits,
  next: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  let buffered = 0;
  return (req, res) => {
    if (req.method !== 'POST' || req.headers['x-hub-signature-256'] === undefined) {
      next(req, res);
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limits.maxBodyBytes) {
      refuse(req, res, 413, `the payload is larger than ${limits.maxBodyBytes} bytes`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      done = true;
      buffered -= size;
      req.removeListener('data', onData);
    };
    const onData = (chunk: Buffer): void => {
      if (done) return;
      size += chunk.length;
      buffered += chunk.length;
      if (size > limits.maxBodyBytes || buffered > limits.maxBufferedBytes) {
        const tooLarge = size > limits.maxBodyBytes;
        finish();
        chunks.length = 0;
        if (tooLarge) refuse(req, res, 413, `the payload is larger than ${limits.maxBodyBytes} bytes`);
        else refuse(req, res, 503, 'too many webhook bodies are being read; retry later');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', () => {
      if (done) return;
      finish();
      chunks.length = 0;
    });
    req.once('end', () => {
      if (done) return;
      finish();
      (req as ReadRequest).body = Buffer.concat(chunks).toString('utf8');
      chunks.length = 0;
      next(req, res);
    });
  };
}

/** Answers with an error and closes the connection, so the rest of the body is never read. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close', ...(status === 503 ? { 'retry-after': '5' } : {}) });
  res.end(JSON.stringify({ error: message }), () => req.socket.destroy());
}
