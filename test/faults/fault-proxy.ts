/**
 * A loopback TCP proxy for fault tests: it listens on another loopback address (127.0.0.2) on the FTP
 * server's control port and every port of its passive range, and forwards each connection to the server
 * (127.0.0.1, same port). FTPS control is encrypted, so PASV/EPSV replies cannot be rewritten; the client
 * connects data to the control host anyway (it ignores the PASV address), which lands on the proxy's copy
 * of the port. A fault cuts the Nth connection of a kind after it carried N bytes towards the server,
 * with FIN (a clean close) or RST.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export const PROXY_HOST = '127.0.0.2';

export interface Fault {
  kind: 'control' | 'data';
  /** Which connection of that kind (1 = the first). */
  nth: number;
  /** Cut after this many bytes from the client. */
  afterBytes: number;
  how: 'fin' | 'rst';
}

export interface FaultProxy {
  /** Faults that fired, as text (for the test's log). */
  fired: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(opts: {
  controlPort: number;
  passive: { min: number; max: number };
  faults: Fault[];
  upstreamHost?: string;
}): Promise<FaultProxy> {
  const upstream = opts.upstreamHost ?? '127.0.0.1';
  const counts = { control: 0, data: 0 };
  const fired: string[] = [];
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const ports = [opts.controlPort];
  for (let p = opts.passive.min; p <= opts.passive.max; p++) ports.push(p);
  for (const port of ports) {
    const kind = port === opts.controlPort ? 'control' : 'data';
    const server = createServer((client) => {
      const n = ++counts[kind];
      const fault = opts.faults.find((f) => f.kind === kind && f.nth === n);
      const server = connect({ host: upstream, port });
      sockets.add(client);
      sockets.add(server);
      let up = 0;
      const cut = (): void => {
        fired.push(`${kind} #${n}: ${fault!.how.toUpperCase()} after ${up} bytes`);
        if (fault!.how === 'rst') {
          client.resetAndDestroy();
          server.resetAndDestroy();
        } else {
          client.end();
          server.end();
        }
      };
      client.on('data', (chunk: Buffer) => {
        if (fault !== undefined && up + chunk.length > fault.afterBytes && !client.destroyed) {
          const part = chunk.subarray(0, Math.max(0, fault.afterBytes - up));
          up += part.length;
          if (part.length > 0) server.write(part);
          client.pause();
          cut();
          return;
        }
        up += chunk.length;
        if (!server.write(chunk)) client.pause();
      });
      server.on('drain', () => client.resume());
      server.on('data', (chunk: Buffer) => {
        if (!client.write(chunk)) server.pause();
      });
      client.on('drain', () => server.resume());
      client.on('end', () => server.end());
      server.on('end', () => client.end());
      const gone = (): void => {
        client.destroy();
        server.destroy();
        sockets.delete(client);
        sockets.delete(server);
      };
      client.on('error', gone);
      server.on('error', gone);
      client.on('close', gone);
      server.on('close', gone);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, PROXY_HOST, () => resolve());
    });
    servers.push(server);
  }
  return {
    fired,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
