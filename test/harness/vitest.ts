// Vitest glue for the harness: call useFtpServer()/useMariadb() at the top of a file or inside a
// describe(); the server starts once in beforeAll and stops in afterAll (also after failures).
// All servers registered in the same describe() (or at file level) start concurrently.
//
// A missing server binary:
//   - outside CI: one loud line on stderr per kind and process, and every test of the suite is skipped
//     through ctx.skip() in beforeEach, so vitest counts (and reports) them as skipped;
//   - with CI=true: every test of the suite fails with the install hint (beforeEach throws); CI never
//     silently skips a real-server test.
import { afterAll, beforeAll, beforeEach, TestRunner } from 'vitest';
import { serverAvailability, type ServerKind } from './availability.ts';
import { startMariadb } from './mariadb.ts';
import { startProftpd } from './proftpd.ts';
import { startPureFtpd } from './pure-ftpd.ts';
import type { FtpServerInfo, FtpServerKind, MariadbInfo, ProftpdVariant, RunningServer } from './types.ts';
import { startVsftpd } from './vsftpd.ts';

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

const announced = new Set<string>();

/**
 * Registers the skip (or, in CI, the failure) for a missing server and returns false; returns true
 * when the server can be started.
 */
function guardAvailability(kind: ServerKind, what: string): boolean {
  const availability = serverAvailability(kind);
  if (availability.ok) return true;
  const { hint } = availability;
  if (isCI()) {
    beforeEach(() => {
      throw new Error(`${what} is not available in CI: ${hint}`);
    });
  } else {
    if (!announced.has(kind)) {
      announced.add(kind);
      process.stderr.write(`\n!!! SKIP ${kind} tests: ${hint}\n\n`);
    }
    beforeEach((ctx) => {
      ctx.skip(`${what} not available: ${hint}`);
    });
  }
  return false;
}

interface Pending {
  start: () => Promise<void>;
  promise?: Promise<void>;
  /** Waits for a start in flight, then stops the server (idempotent). */
  stop: () => Promise<void>;
}

/** Servers registered in the same describe() (or at the top of a file) start together. */
const groups = new WeakMap<object, Pending[]>();

function currentScope(): object | undefined {
  try {
    return TestRunner.getCurrentSuite();
  } catch {
    return undefined;
  }
}

function launch(entry: Pending): Promise<void> {
  if (entry.promise === undefined) {
    entry.promise = entry.start();
    // Awaited by the entry's own beforeAll/afterAll; this keeps an early failure from counting as an
    // unhandled rejection while a sibling's hook runs.
    entry.promise.catch(() => undefined);
  }
  return entry.promise;
}

function useServer<T>(what: string, kind: ServerKind, start: () => Promise<RunningServer<T>>): () => T {
  const available = guardAvailability(kind, what);
  let running: RunningServer<T> | undefined;
  if (available) {
    let stopping: Promise<void> | undefined;
    const entry: Pending = {
      start: async () => {
        running = await start();
      },
      stop: () => {
        stopping ??= (async () => {
          if (entry.promise !== undefined) await entry.promise.catch(() => undefined);
          await running?.stop();
          running = undefined;
        })();
        return stopping;
      },
    };
    const scope = currentScope();
    if (scope !== undefined) {
      const group = groups.get(scope) ?? [];
      group.push(entry);
      groups.set(scope, group);
    }
    const group = (): Pending[] => (scope !== undefined ? groups.get(scope) : undefined) ?? [entry];
    beforeAll(async () => {
      // The first hook of the scope starts every server of the scope at once.
      for (const member of group()) void launch(member);
      await launch(entry);
    });
    afterAll(async () => {
      // Likewise the first afterAll stops them all at once; this runs after a failed beforeAll too,
      // and a start still in flight is awaited before its stop.
      await Promise.all(group().map((member) => member.stop()));
    });
  }
  return () => {
    if (running === undefined) {
      throw new Error(`${what} is not running (call the getter inside a test or hook, after beforeAll)`);
    }
    return running.info;
  };
}

/**
 * Starts an FTP server for this file/suite. `variant` applies to proftpd only ('a' when omitted).
 * Returns a getter for the server's info (valid inside tests and later hooks).
 */
export function useFtpServer(kind: FtpServerKind, variant?: ProftpdVariant): () => FtpServerInfo {
  switch (kind) {
    case 'proftpd': {
      const v = variant ?? 'a';
      return useServer(`proftpd (${v})`, 'proftpd', () => startProftpd(v));
    }
    case 'vsftpd':
      return useServer('vsftpd', 'vsftpd', () => startVsftpd());
    case 'pure-ftpd':
      return useServer('pure-ftpd', 'pure-ftpd', () => startPureFtpd());
  }
}

/**
 * Starts an FTP server configured append-only for its login (FtpServerOptions.appendOnly: the README's
 * recipes; ProFTPD variant 'a' plus a prune login). Returns a getter for the server's info.
 */
export function useAppendOnlyFtpServer(kind: FtpServerKind): () => FtpServerInfo {
  const options = { appendOnly: true };
  switch (kind) {
    case 'proftpd':
      return useServer('proftpd (append-only)', 'proftpd', () => startProftpd('a', options));
    case 'vsftpd':
      return useServer('vsftpd (append-only)', 'vsftpd', () => startVsftpd(options));
    case 'pure-ftpd':
      return useServer('pure-ftpd (append-only)', 'pure-ftpd', () => startPureFtpd(options));
  }
}

/**
 * Requires the `age` CLI (and age-keygen, script) for this file/suite: skipped outside CI when missing,
 * failed in CI, like a missing server.
 */
export function useAgeCli(): void {
  guardAvailability('age', 'the age CLI');
}

/** Requires the sqlite3 shell for this file/suite: skipped outside CI when missing, failed in CI. */
export function useSqlite3(): void {
  guardAvailability('sqlite3', 'the sqlite3 shell');
}

/** Starts MariaDB for this file/suite and returns a getter for its info. */
export function useMariadb(): () => MariadbInfo {
  return useServer('mariadb', 'mariadb', startMariadb);
}
