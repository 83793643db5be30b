/** Builds an FtpsClient for a harness server, with a log that tests can search. */
import { FtpsClient, type FtpsClientOptions } from '../../src/ftp/index.ts';
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
    retry: { attempts: 6, initialDelayMs: 200, maxDelayMs: 2000 },
    ...extra,
  };
}

export function connectTo(info: FtpServerInfo, extra: Partial<FtpsClientOptions> = {}): Promise<FtpsClient> {
  return FtpsClient.connect(clientOptions(info, extra));
}
