/**
 * A local HTTP server on 127.0.0.1 that records every request (method, path, headers, body) and answers
 * each one as the test says: a status, or never (to exercise timeouts).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { arrivals } from './arrivals.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The answer to the n-th request (0-based): a status code, or 'hang' for no answer at all. */
export type Answer = (n: number, req: RecordedRequest) => number | 'hang';

export interface HttpRecorder {
  url: string;
  requests: RecordedRequest[];
  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

export async function startHttpRecorder(answer: Answer = () => 200): Promise<HttpRecorder> {
  const arrived = arrivals<RecordedRequest>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const n = arrived.items.length;
      arrived.push(rec);
      const a = answer(n, rec);
      if (a === 'hang') return;
      res.writeHead(a, { 'content-type': 'text/plain' }).end(a < 300 ? 'OK' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: arrived.items,
    received: arrived.received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
