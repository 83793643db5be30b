/**
 * The one retrying layer (in the shape of restic's retry backend): a RemoteStore that wraps another and
 * owns attempts, backoff (the pure domain/retry.ts) and the single "transient or permanent" decision.
 * The job's `retry:` is the one budget per operation and per object: the FTP client below makes one
 * attempt per call, so attempts never multiply.
 *
 * An upload is given as a *factory* of its content (putObject): after a drop the store below resumes
 * from what the content can replay (see src/ftp/resume.ts); when it cannot (the server's partial file is
 * outside the replay window, or the server refuses restarts) it throws SourceRestartNeeded and the
 * object starts again from byte 0 with its source run again — a new dump for a database. A source that
 * failed on its own (content.failure()) ends the upload at once with that error: the first error a
 * person sees is the cause. A cancellation (the signal) ends every wait, the backoff sleep included.
 */
import type { Writable } from 'node:stream';
import { backoffDelay } from '../domain/index.ts';
import { SourceRestartNeeded, newUploadState } from '../ftp/index.ts';
import type {
  PutResult,
  RemoteStore,
  ReplayableSource,
  StoreEntry,
  StoreFactory,
  StoreHash,
} from './types.ts';

export interface RetryPolicy {
  /** Attempts per operation and per object (the job's `retry.attempts`), at least 1. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface RetryContext {
  policy: RetryPolicy;
  log: { info(m: string): void; warn(m: string): void };
  /** Cancellation: ends a backoff sleep at once and stops retrying. */
  signal?: AbortSignal | undefined;
  random?: () => number;
  /** Waits `ms` or until `signal` aborts (then rejects with its reason). */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

/** Content of one upload attempt series; a new one is made when the source must run again. */
export interface UploadContent extends ReplayableSource {
  /** The source's own failure (a dump error, a missing trailer), once it failed; never retried. */
  failure?(): Error | undefined;
  /** This content is given up (a new one follows, or the upload failed): stop producing it. */
  abandon?(): Promise<void>;
}

export interface PutObjectOptions {
  onProgress?: ((bytes: number) => void) | undefined;
  /** False for content that cannot be produced again (stdin): "restart" then means give up. */
  restartable: boolean;
}

export type Verdict = 'retry' | 'rerun-source' | 'permanent';

/** The one place that decides whether an error is worth another attempt (restic's IsPermanentError). */
export function verdictOf(err: unknown): Verdict {
  if (err instanceof SourceRestartNeeded) return 'rerun-source';
  const transient =
    typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
  return transient ? 'retry' : 'permanent';
}

export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('cancelled'));
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `op` up to the budget, sleeping the backoff between attempts; `onFailure` may change the verdict. */
export async function withRetry<T>(
  ctx: RetryContext,
  what: string,
  op: (attempt: number) => Promise<T>,
  onFailure?: (err: unknown, verdict: Verdict, attempt: number) => Promise<Verdict>,
): Promise<T> {
  const attempts = Math.max(1, ctx.policy.attempts);
  const random = ctx.random ?? Math.random;
  const sleep = ctx.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      let verdict = verdictOf(err);
      if (onFailure !== undefined) verdict = await onFailure(err, verdict, attempt);
      if (verdict === 'permanent' || attempt >= attempts || ctx.signal?.aborted === true) throw err;
      const wait = backoffDelay(
        attempt,
        { initialDelay: ctx.policy.initialDelayMs, maxDelay: ctx.policy.maxDelayMs },
        random(),
      );
      ctx.log.warn(
        `${what} failed (${(err as Error).message}); ${verdict === 'rerun-source' ? 'source re-run, ' : ''}attempt ${attempt + 1} of ${attempts} in ${(wait / 1000).toFixed(1)} s`,
      );
      await sleep(wait, ctx.signal);
    }
  }
}

export class RetryingStore implements RemoteStore {
  readonly description: string;
  private readonly inner: RemoteStore;
  private readonly ctx: RetryContext;

  constructor(inner: RemoteStore, ctx: RetryContext) {
    this.inner = inner;
    this.ctx = ctx;
    this.description = inner.description;
  }

  private retry<T>(what: string, op: () => Promise<T>): Promise<T> {
    return withRetry(this.ctx, what, op);
  }

  /**
   * Uploads the content `open()` makes; resumes, re-runs the source or gives up as described in the
   * header. The budget counts every attempt, source re-runs included.
   */
  async putObject(
    path: string,
    open: () => UploadContent,
    opts: PutObjectOptions,
  ): Promise<PutResult & { attempts: number; sourceRuns: number }> {
    let content = open();
    let sourceRuns = 1;
    let state = newUploadState();
    let attempts = 0;
    try {
      const put = await withRetry(
        this.ctx,
        `upload of ${path}`,
        async (attempt) => {
          attempts = attempt;
          return this.inner.put(path, content, opts.onProgress, {
            state,
            sourceRestartable: opts.restartable,
          });
        },
        async (err, verdict) => {
          const own = content.failure?.();
          if (own !== undefined) throw own;
          if (verdict !== 'rerun-source') return verdict;
          if (!opts.restartable) return 'permanent';
          await content.abandon?.();
          content = open();
          sourceRuns += 1;
          state = newUploadState();
          this.ctx.log.info(`${path}: source re-run (${(err as Error).message})`);
          return verdict;
        },
      );
      return { ...put, attempts, sourceRuns };
    } catch (err) {
      await content.abandon?.();
      throw content.failure?.() ?? err;
    }
  }

  put(path: string, source: ReplayableSource, onProgress?: (bytes: number) => void): Promise<PutResult> {
    // One source that cannot run again: resumed or replayed from 0 where it can, never re-run.
    return this.putObject(path, () => source, { onProgress, restartable: false });
  }

  async get(
    path: string,
    sink: Writable,
    onProgress?: (bytes: number) => void,
    maxBytes?: number,
  ): Promise<number> {
    // A retried download resumes where the sink stopped (REST), never writing a byte twice.
    let got = 0;
    await withRetry(this.ctx, `download of ${path}`, async () => {
      await this.inner.get(
        path,
        sink,
        (b) => {
          got = b;
          onProgress?.(b);
        },
        maxBytes,
        got,
      );
    });
    return got;
  }

  mkdirp(path: string): Promise<void> {
    return this.retry(`MKD ${path}`, () => this.inner.mkdirp(path));
  }
  list(path: string): Promise<StoreEntry[]> {
    return this.retry(`listing ${path}`, () => this.inner.list(path));
  }
  listSmall(path: string): Promise<StoreEntry[]> {
    return this.retry(`listing ${path}`, () => this.inner.listSmall(path));
  }
  size(path: string): Promise<number | undefined> {
    return this.retry(`SIZE ${path}`, () => this.inner.size(path));
  }
  hash(path: string): Promise<StoreHash | undefined> {
    return this.retry(`hash of ${path}`, () => this.inner.hash(path));
  }
  rename(from: string, to: string): Promise<void> {
    return this.retry(`rename of ${from}`, () => this.inner.rename(from, to));
  }
  remove(path: string): Promise<void> {
    return this.retry(`removal of ${path}`, () => this.inner.remove(path));
  }
  removeTree(path: string): Promise<void> {
    return this.retry(`removal of ${path}`, () => this.inner.removeTree(path));
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A factory whose stores retry, and whose open() (connect and log in) retries within the same budget. */
export interface RetryingStoreFactory {
  readonly description: string;
  open(): Promise<RetryingStore>;
}

export function retryingStoreFactory(inner: StoreFactory, ctx: RetryContext): RetryingStoreFactory {
  return {
    description: inner.description,
    open: async () =>
      new RetryingStore(await withRetry(ctx, `connecting to ${inner.description}`, () => inner.open()), ctx),
  };
}
