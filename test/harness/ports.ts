// Free loopback ports for the servers: a listening port (bind port 0, ask the kernel) and a range of
// consecutive passive ports (probed by binding each one). Ports handed out in this process are never
// handed out twice, so servers started side by side cannot collide with each other.
import { readFileSync } from 'node:fs';
import net from 'node:net';

const handedOut = new Set<number>();

function tryBind(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A free TCP port on 127.0.0.1 for a server to listen on. It comes from below the ephemeral range
 * (like the passive ranges) so that no client socket of the tests can grab it between our probe and
 * the server's bind.
 */
export async function freePort(): Promise<number> {
  return (await freePortRange(1)).min;
}

/** Linux picks client-side ports from this range; passive ranges stay below it to avoid clashes. */
function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const n = Number(low);
    return Number.isInteger(n) && n > 12_000 ? n : 32_768;
  } catch {
    return 32_768;
  }
}

/** `count` consecutive free ports below the ephemeral range, e.g. for PassivePorts. */
export async function freePortRange(count = 20): Promise<{ min: number; max: number }> {
  const top = ephemeralRangeStart() - count;
  const bottom = 10_000;
  for (let attempt = 0; attempt < 100; attempt++) {
    const min = bottom + Math.floor(Math.random() * (top - bottom));
    const ports = Array.from({ length: count }, (_, i) => min + i);
    if (ports.some((p) => handedOut.has(p))) continue;
    const results = await Promise.all(ports.map((p) => tryBind(p)));
    if (results.every((r, i) => r === ports[i])) {
      for (const p of ports) handedOut.add(p);
      return { min, max: min + count - 1 };
    }
  }
  throw new Error(`could not find ${count} consecutive free ports on 127.0.0.1`);
}
