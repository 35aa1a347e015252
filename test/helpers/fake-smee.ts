/**
 * A local stand-in for smee.io: `HEAD /new` makes a channel (a redirect to its URL, as smee.io
 * answers), `GET /<channel>` is the channel's event stream, and {@link FakeSmee.deliver} sends a
 * webhook down every open stream the way smee.io does (headers and parsed body in one JSON event).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake smee server on 127.0.0.1. */
export class FakeSmee {
  private server: Server | undefined;
  private readonly streams = new Map<string, ServerResponse[]>();
  /** The channels made through `/new`, in order. */
  readonly created: string[] = [];
  /** The base URL, once started. */
  url = '';

  /** Starts listening on a free port. */
  async start(): Promise<void> {
    let next = 0;
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (req.method === 'HEAD' && path === '/new') {
        const channel = `${this.url}/channel-${++next}`;
        this.created.push(channel);
        res.writeHead(307, { location: channel }).end();
      } else if (req.method === 'GET' && path.startsWith('/channel-')) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write('event: ready\ndata: {}\n\n');
        const list = this.streams.get(path) ?? [];
        list.push(res);
        this.streams.set(path, list);
        req.on('close', () =>
          this.streams.set(
            path,
            (this.streams.get(path) ?? []).filter((r) => r !== res),
          ),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** How many clients listen on a channel URL. */
  listeners(channel: string): number {
    return this.streams.get(new URL(channel).pathname)?.length ?? 0;
  }

  /** Sends one delivery (lower-case header names, and the payload) to every listener of a channel. */
  deliver(channel: string, headers: Readonly<Record<string, string>>, body: unknown): void {
    const event = JSON.stringify({ ...headers, body, query: {}, timestamp: Date.now() });
    for (const res of this.streams.get(new URL(channel).pathname) ?? []) res.write(`data: ${event}\n\n`);
  }

  /** Ends every stream and stops listening. */
  async stop(): Promise<void> {
    for (const list of this.streams.values()) for (const res of list) res.end();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
