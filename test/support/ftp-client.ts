/** Builds an FtpsClient for a harness server, with a log that tests can search. */
import { FtpsClient, type FtpsClientOptions } from '../../src/ftp/index.ts';
import { FtpsStore } from '../../src/storage/ftps.ts';
import { RetryingStore } from '../../src/storage/retrying.ts';
import type { FtpServerInfo } from '../harness/index.ts';

export interface TestLog {
  lines: string[];
  logger: { debug: (m: string) => void; info: (m: string) => void; warn: (m: string) => void };
}

export function testLog(): TestLog {
  const lines: string[] = [];
  const push = (m: string): void => {
    lines.push(m);
  };
  return { lines, logger: { debug: push, info: push, warn: push } };
}

export function clientOptions(
  info: FtpServerInfo,
  extra: Partial<FtpsClientOptions> = {},
): FtpsClientOptions {
  return {
    host: info.host,
    port: info.port,
    tlsMode: info.implicitTls ? 'implicit' : 'explicit',
    user: info.user,
    password: info.password,
    tls: { ca: info.caPem },
    ...extra,
  };
}

export function connectTo(info: FtpServerInfo, extra: Partial<FtpsClientOptions> = {}): Promise<FtpsClient> {
  return FtpsClient.connect(clientOptions(info, extra));
}

/** The client behind the one retrying layer, as a job uses it (the client alone makes one attempt). */
export function retriedStore(
  client: FtpsClient,
  attempts: number,
  log: { info(m: string): void; warn(m: string): void },
): RetryingStore {
  return new RetryingStore(new FtpsStore(client, 'test'), {
    policy: { attempts, initialDelayMs: 100, maxDelayMs: 1000 },
    log,
  });
}
