/**
 * The retrying store against a fake inner store that fails on cue: the job's budget is the one budget
 * (attempts never multiply), permanent errors end at once, a SourceRestartNeeded runs the source again,
 * a source's own failure is what is reported, and a cancellation ends the backoff sleep.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FtpConnectionError, FtpReplyError, SourceRestartNeeded } from '../../../src/ftp/index.ts';
import { RetryingStore, verdictOf, type RetryContext } from '../../../src/storage/retrying.ts';
import type { PutResult, RemoteStore } from '../../../src/storage/types.ts';

const ok: PutResult = { bytes: 3, sha256: 'x', verified: 'size', resumedFrom: [] };

function fakeStore(failures: Error[]): RemoteStore & { puts: number } {
  const store = {
    description: 'fake',
    puts: 0,
    put: () => {
      store.puts += 1;
      const f = failures.shift();
      return f === undefined ? Promise.resolve(ok) : Promise.reject(f);
    },
    mkdirp: () => {
      store.puts += 1;
      const f = failures.shift();
      return f === undefined ? Promise.resolve() : Promise.reject(f);
    },
  };
  return store as unknown as RemoteStore & { puts: number };
}

function context(attempts: number, lines: string[], signal?: AbortSignal): RetryContext {
  return {
    policy: { attempts, initialDelayMs: 1, maxDelayMs: 1 },
    log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
    signal,
    random: () => 0.5,
    sleep: () => Promise.resolve(),
  };
}

const content = () => ({ open: () => Readable.from([Buffer.from('abc')]) });
const drop = () => new FtpConnectionError('the server closed the data connection during the upload');

describe('verdictOf', () => {
  it.each([
    [drop(), 'retry'],
    [new FtpReplyError('STOR', 451, 'later'), 'retry'],
    [new FtpReplyError('STOR', 550, 'no such folder'), 'permanent'],
    [new FtpReplyError('STOR', 552, 'disk full'), 'permanent'],
    [new SourceRestartNeeded('outside the window'), 'rerun-source'],
    [new Error('plain'), 'permanent'],
  ] as const)('%s → %s', (err, verdict) => {
    expect(verdictOf(err)).toBe(verdict);
  });
});

describe('RetryingStore', () => {
  it('retries transient failures within the budget, and no more', async () => {
    const lines: string[] = [];
    const inner = fakeStore([drop(), drop(), drop()]);
    const err = await new RetryingStore(inner, context(3, lines))
      .putObject('/a', content, { restartable: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpConnectionError);
    expect(inner.puts).toBe(3);
    expect(lines.filter((l) => l.includes('attempt'))).toEqual([
      expect.stringContaining('attempt 2 of 3'),
      expect.stringContaining('attempt 3 of 3'),
    ]);
  });

  it('succeeds on a later attempt and says how many it took', async () => {
    const r = await new RetryingStore(fakeStore([drop()]), context(3, [])).putObject('/a', content, {
      restartable: true,
    });
    expect(r.attempts).toBe(2);
    expect(r.sourceRuns).toBe(1);
  });

  it('stops at once on a permanent error (the first message is the cause)', async () => {
    const inner = fakeStore([new FtpReplyError('STOR', 550, 'No such file or directory')]);
    const err = await new RetryingStore(inner, context(5, []))
      .putObject('/a', content, { restartable: true })
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('550');
    expect(inner.puts).toBe(1);
  });

  it('runs the source again on SourceRestartNeeded, counting it against the same budget', async () => {
    const lines: string[] = [];
    let made = 0;
    const r = await new RetryingStore(
      fakeStore([new SourceRestartNeeded('outside the window')]),
      context(3, lines),
    ).putObject(
      '/a',
      () => {
        made += 1;
        return content();
      },
      { restartable: true },
    );
    expect(made).toBe(2);
    expect(r.sourceRuns).toBe(2);
    expect(lines.some((l) => l.includes('/a: source re-run'))).toBe(true);
  });

  it('gives up when a source that cannot run again (stdin) would need to', async () => {
    const inner = fakeStore([new SourceRestartNeeded('outside the window')]);
    const err = await new RetryingStore(inner, context(3, []))
      .putObject('/a', content, { restartable: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceRestartNeeded);
    expect(inner.puts).toBe(1);
  });

  it("reports the source's own failure, not the upload error it caused, and never retries it", async () => {
    const own = new Error('mysqldump: Got error: 1045 Access denied');
    const inner = fakeStore([new Error('This operation was aborted')]);
    const err = await new RetryingStore(inner, context(3, []))
      .putObject('/a', () => ({ ...content(), failure: () => own }), { restartable: true })
      .catch((e: unknown) => e);
    expect(err).toBe(own);
    expect(inner.puts).toBe(1);
  });

  it('a cancellation ends the backoff sleep', async () => {
    const abort = new AbortController();
    const ctx = {
      ...context(5, [], abort.signal),
      sleep: undefined,
      policy: { attempts: 5, initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 },
    };
    const inner = fakeStore([drop(), drop()]);
    const pending = new RetryingStore(inner, ctx).mkdirp('/x').catch((e: unknown) => e);
    // the first attempt failed and the store now sleeps an hour: cancel it
    await new Promise((r) => setImmediate(r));
    abort.abort(new Error('SIGTERM: stopping'));
    expect(((await pending) as Error).message).toBe('SIGTERM: stopping');
    expect(inner.puts).toBe(1);
  });
});
