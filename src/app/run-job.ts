/**
 * src/app — use-cases (runJob, listSets, …). They see ports (RemoteStore, BackupSource) and pure domain
 * code, never adapters, the CLI or the FTP client.
 *
 * runJob turns one run of a job into one verified set `<root>/<job>/<YYYYMMDDTHHMMSSZ>/`: every object is
 * streamed source → compression → [age encryption] → sha256/count → store as `<name>.partial` (verified by the store), then,
 * only when ALL objects are uploaded and their sources finished cleanly, renamed, and `manifest.json`
 * is written last. A failure publishes nothing. After a success, stale incomplete sets of earlier runs of
 * the same job are removed (only names matching our set pattern).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { PassThrough, Transform } from 'node:stream';
import { createCompressor, createEncryptor, DigestStream, type Recipient } from '../pipeline/index.ts';
import type { BackupSource, SourceRun, SourceSummary } from '../sources/types.ts';
import {
  formatSetName,
  incompleteSetDecision,
  MANIFEST_NAME,
  parseSetName,
  setsFolder,
  PARTIAL_SUFFIX,
  findAnomalies,
  serializeManifest,
  type AnomalyThresholds,
  type CompressionAlgorithm,
  type Manifest,
  type ManifestObject,
} from '../domain/index.ts';
import type { PutResult, RemoteStore, StoreFactory } from '../storage/types.ts';
import { retryingStoreFactory, type RetryingStore, type UploadContent } from '../storage/retrying.ts';
import type { Logger } from '../logging/index.ts';
import { LiveReplaySource, liveOutput } from './live-source.ts';
import { readManifest } from './verify-set.ts';

export interface ObjectPlan {
  /** File name inside the set, e.g. `db-wordpress.sql.zst`. */
  name: string;
  source: BackupSource;
}

export interface RunJobInput {
  job: string;
  host: string;
  toolVersion: string;
  /** Destination root folder, e.g. `/backups`. */
  root: string;
  objects: ObjectPlan[];
  compression: { algorithm: CompressionAlgorithm; level?: number | undefined };
  /**
   * Encrypt every object with age to these recipients (built once per run by ageRecipients); object names
   * must then end in `.age`. The manifest's sha256 stays that of the stored (encrypted) bytes.
   */
  encryption?: { recipients: readonly Recipient[] } | undefined;
  stores: StoreFactory;
  /** Objects uploaded at once, each over its own connection. */
  parallel: number;
  /**
   * Memory for replaying the most recent bytes after a drop, shared by the objects uploading at once
   * (each gets replayWindowBytes / parallel): the server is never behind by more than what was in flight.
   */
  replayWindowBytes: number;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  log: Logger;
  now?: () => Date;
  /** When the run started (its set's name comes from it); default now(). */
  startedAt?: Date | undefined;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  signal?: AbortSignal | undefined;
  onObjectProgress?: (name: string, bytes: number) => void;
  /**
   * Write each object to this local folder first, then upload it with full resume (for slow links, or to
   * hold a database snapshot for less time). The spool file is removed after the upload.
   */
  spool?: { dir: string; minFreeBytes?: number } | undefined;
  /** Warnings found while composing the run (e.g. a database skipped): the run ends `warning`. */
  warnings?: readonly string[] | undefined;
  /**
   * Compare the objects with the previous complete set's manifest (src/domain/anomaly.ts); whatever
   * shrank is a warning. Undefined: no comparison.
   */
  anomaly?: AnomalyThresholds | undefined;
}

export interface ObjectResult {
  name: string;
  size: number;
  sha256: string;
  verified: string;
  attempts: number;
  /** Bytes the source produced (before compression and encryption), recorded for restore's bounds. */
  contentBytes: number;
  summary: SourceSummary;
}

export interface RunJobResult {
  setName: string;
  setPath: string;
  objects: ObjectResult[];
  bytes: number;
  warnings: string[];
  removedStale: string[];
  manifest: Manifest;
}

export class SourceFailedError extends Error {
  override name = 'SourceFailedError';
}

export async function runJob(input: RunJobInput): Promise<RunJobResult> {
  const now = input.now ?? (() => new Date());
  const started = input.startedAt ?? now();
  const setName = formatSetName(started);
  const jobDir = setsFolder(input.root, input.job);
  const setPath = `${jobDir}/${setName}`;
  const log = input.log;
  const warnings: string[] = [...(input.warnings ?? [])];
  log.info(`job ${input.job}: set ${setName} → ${input.stores.description}${setPath}`);

  // The one retrying layer: the job's retry budget per operation and per object, cancellation included.
  const retrying = retryingStoreFactory(input.stores, {
    policy: input.retry,
    log,
    signal: input.signal,
    ...(input.random !== undefined ? { random: input.random } : {}),
    ...(input.sleep !== undefined ? { sleep: input.sleep } : {}),
  });
  const stores: RetryingStore[] = [];
  const parallel = Math.max(1, Math.min(input.parallel, input.objects.length));
  // Every connection is opened at once: the others log in while the first creates the set's folder.
  const opening = Array.from({ length: parallel }, () =>
    retrying.open().then((s) => {
      stores.push(s);
      return s;
    }),
  );
  // (awaited below; a failure of one still logging in when another failed is not an unhandled rejection)
  for (const o of opening) o.catch(() => {});
  const results: ObjectResult[] = [];
  let created = false;
  try {
    const first = await (opening[0] as Promise<RetryingStore>);
    await first.mkdirp(setPath);
    created = true;
    // A pool of workers, one connection each, pulling objects in order.
    const queue = [...input.objects];
    const workers: Promise<void>[] = [];
    const failFast = new AbortController();
    for (let w = 0; w < parallel; w++) {
      workers.push(
        (async () => {
          const store = await (opening[w] as Promise<RetryingStore>);
          for (let plan = queue.shift(); plan !== undefined; plan = queue.shift()) {
            if (failFast.signal.aborted || input.signal?.aborted === true) return;
            try {
              const r =
                input.spool === undefined
                  ? await uploadObject(store, `${setPath}/${plan.name}`, plan, input, failFast.signal)
                  : await spoolObject(
                      store,
                      `${setPath}/${plan.name}`,
                      plan,
                      input,
                      input.spool,
                      setName,
                      failFast.signal,
                    );
              results.push(r);
              warnings.push(...r.summary.warnings.map((w2) => `${plan.name}: ${w2}`));
            } catch (err) {
              failFast.abort(err);
              throw err;
            }
          }
        })(),
      );
    }
    const settled = await Promise.allSettled(workers);
    // The first failure in time is the cause; the others were aborted because of it.
    if (failFast.signal.aborted) throw failFast.signal.reason;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    if (input.signal?.aborted === true) throw new Error('the run was cancelled');

    // Publish: rename every object, then the manifest last.
    results.sort(
      (a, b) =>
        input.objects.findIndex((o) => o.name === a.name) - input.objects.findIndex((o) => o.name === b.name),
    );
    for (const r of results)
      await first.rename(`${setPath}/${r.name}${PARTIAL_SUFFIX}`, `${setPath}/${r.name}`);
    const objects: ManifestObject[] = results.map((r) => ({
      name: r.name,
      size: r.size,
      sha256: r.sha256,
      compression: input.compression.algorithm,
      encrypted: input.encryption !== undefined,
      contentBytes: r.contentBytes,
      source: r.summary,
    }));
    if (input.anomaly !== undefined)
      warnings.push(...(await compareWithPrevious(first, jobDir, setName, objects, input.anomaly, log)));
    const manifest: Manifest = {
      version: 1,
      job: input.job,
      host: input.host,
      setName,
      startedAt: started.toISOString(),
      finishedAt: now().toISOString(),
      toolVersion: input.toolVersion,
      objects,
      warnings,
    };
    const text = Buffer.from(serializeManifest(manifest));
    await first.put(`${setPath}/${MANIFEST_NAME}${PARTIAL_SUFFIX}`, {
      open: (o) => bufferStream(text.subarray(o)),
    });
    await first.rename(`${setPath}/${MANIFEST_NAME}${PARTIAL_SUFFIX}`, `${setPath}/${MANIFEST_NAME}`);
    const bytes = results.reduce((n, r) => n + r.size, 0);
    log.info(`job ${input.job}: set ${setName} published (${results.length} objects, ${bytes} bytes)`);
    const removedStale = await removeStaleSets(first, jobDir, setName, now(), log);
    return { setName, setPath, objects: results, bytes, warnings, removedStale, manifest };
  } catch (err) {
    if (input.signal?.aborted !== true && created && stores[0] !== undefined) {
      // Nothing of a failed run is published; free the space of its partial objects now (best effort).
      await stores[0]
        .removeTree(setPath)
        .catch((e: unknown) => log.warn(`could not remove ${setPath}: ${String(e)}`));
    }
    throw err;
  } finally {
    // a connection still logging in when the run failed is closed too
    await Promise.allSettled(opening);
    await Promise.allSettled(stores.map((s) => s.close()));
  }
}

function bufferStream(b: Buffer): PassThrough {
  const p = new PassThrough();
  p.end(b);
  return p;
}

/**
 * Uploads one object through the retrying store: the content is a factory, so when the store cannot
 * resume from the replay window (or the server refuses restarts) the source runs again from byte 0. A
 * source marks its own failure by destroying its stream with its error (see sources/types.ts): that is
 * seen here before anything downstream fails, and it is what the run reports (never retried).
 */
async function uploadObject(
  store: RetryingStore,
  finalPath: string,
  plan: ObjectPlan,
  input: RunJobInput,
  failFast: AbortSignal,
): Promise<ObjectResult> {
  const partial = `${finalPath}${PARTIAL_SUFFIX}`;
  let current:
    { run: SourceRun; flow: Promise<void>; digest: DigestStream; content: { bytes: number } } | undefined;
  const open = (): UploadContent => {
    const abort = new AbortController();
    const onAbort = (): void => abort.abort();
    failFast.addEventListener('abort', onAbort);
    input.signal?.addEventListener('abort', onAbort);
    const run = plan.source.open(abort.signal);
    let own: Error | undefined;
    const mark = (e: unknown): void => {
      if (!abort.signal.aborted) own ??= sourceFailed(plan, e);
    };
    run.stream.once('error', mark);
    run.done.catch(mark);
    const digest = new DigestStream();
    const out = liveOutput();
    const content = { bytes: 0 };
    const flow = pipeline([run.stream, ...encodeStages(input, content), digest, out]);
    flow.catch(() => {}); // reported through the source's own failure or the upload
    current = { run, flow, digest, content };
    const live = new LiveReplaySource(
      out,
      Math.floor(input.replayWindowBytes / Math.max(1, input.parallel)),
      digest,
    );
    return {
      open: (offset) => live.open(offset),
      release: (chunk) => live.release(chunk),
      ...(live.digest !== undefined ? { digest: live.digest } : {}),
      replayable: () => live.replayable(),
      failure: () => own,
      abandon: async () => {
        abort.abort();
        failFast.removeEventListener('abort', onAbort);
        input.signal?.removeEventListener('abort', onAbort);
        await live.abandon().catch(() => {});
      },
    };
  };
  const put = await store.putObject(partial, open, {
    onProgress: (b) => input.onObjectProgress?.(plan.name, b),
    restartable: true,
  });
  const { run, flow, digest, content } = current!;
  await flow;
  let summary: SourceSummary;
  try {
    summary = await run.done;
  } catch (err) {
    throw sourceFailed(plan, err);
  }
  if (put.sourceRuns > 1) input.log.info(`${plan.name}: its source ran ${put.sourceRuns} times`);
  return acceptPut(
    input,
    plan,
    put,
    await digest.digest(),
    'were produced',
    put.attempts,
    summary,
    content.bytes,
  );
}

/**
 * The stages between a source and the digest: a count of the content's bytes (into `content`), then
 * compression, then age encryption when configured.
 */
function encodeStages(input: RunJobInput, content: { bytes: number }): Transform[] {
  const count = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      content.bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const stages: Transform[] = [count, createCompressor(input.compression.algorithm, input.compression.level)];
  if (input.encryption !== undefined) stages.push(createEncryptor(input.encryption.recipients));
  return stages;
}

/** The error of a failed source, named after its object (failed sources are never retried). */
function sourceFailed(plan: ObjectPlan, err: unknown): SourceFailedError {
  return new SourceFailedError(`${plan.name}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}

/** Checks that the store received exactly what was produced (bytes and sha256), logs, and builds the result. */
function acceptPut(
  input: RunJobInput,
  plan: ObjectPlan,
  put: PutResult,
  produced: { bytes: number; sha256: string },
  where: string,
  attempts: number,
  summary: SourceSummary,
  contentBytes: number,
): ObjectResult {
  if (produced.bytes !== put.bytes || produced.sha256 !== put.sha256) {
    throw new Error(
      `${plan.name}: the store received ${put.bytes} bytes (sha256 ${put.sha256}) but ${produced.bytes} (sha256 ${produced.sha256}) ${where}`,
    );
  }
  input.log.info(
    `uploaded ${plan.name}: ${put.bytes} bytes, sha256 ${put.sha256}, verified by ${put.verified}`,
  );
  return {
    name: plan.name,
    size: put.bytes,
    sha256: put.sha256,
    verified: put.verified,
    attempts,
    contentBytes,
    summary,
  };
}

/**
 * Spooled upload: source → compression → sha256 → a local file; only when the source finished cleanly
 * is the file uploaded, resumable from any offset, then removed. A failed source leaves nothing behind.
 */
async function spoolObject(
  store: RetryingStore,
  finalPath: string,
  plan: ObjectPlan,
  input: RunJobInput,
  spool: { dir: string; minFreeBytes?: number },
  setName: string,
  failFast: AbortSignal,
): Promise<ObjectResult> {
  await mkdir(spool.dir, { recursive: true, mode: 0o700 });
  const free = await statfs(spool.dir);
  const freeBytes = free.bavail * free.bsize;
  const need = spool.minFreeBytes ?? 256 * 1024 * 1024;
  if (freeBytes < need) {
    throw new Error(
      `spool folder ${spool.dir} has ${Math.floor(freeBytes / 1048576)} MiB free, less than the ${Math.floor(need / 1048576)} MiB required; free space or set spool: false`,
    );
  }
  const file = join(spool.dir, `${input.job}-${setName}-${plan.name}`);
  const abort = new AbortController();
  const onAbort = (): void => abort.abort();
  failFast.addEventListener('abort', onAbort);
  input.signal?.addEventListener('abort', onAbort);
  try {
    const run = plan.source.open(abort.signal);
    // The source marks its own failure by destroying its stream with its error (sources/types.ts).
    let own: Error | undefined;
    const mark = (e: unknown): void => {
      if (!abort.signal.aborted) own ??= sourceFailed(plan, e);
    };
    run.stream.once('error', mark);
    run.done.catch(mark);
    const digest = new DigestStream();
    const content = { bytes: 0 };
    try {
      await pipeline([
        run.stream,
        ...encodeStages(input, content),
        digest,
        createWriteStream(file, { mode: 0o600 }),
      ]);
    } catch (err) {
      if (own !== undefined) throw own;
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
        throw new Error(`the spool folder ${spool.dir} ran out of space while writing ${plan.name}`, {
          cause: err,
        });
      }
      throw err;
    }
    let summary: SourceSummary;
    try {
      summary = await run.done;
    } catch (err) {
      throw sourceFailed(plan, err);
    }
    const d = await digest.digest();
    input.log.info(`spooled ${plan.name}: ${d.bytes} bytes; uploading`);
    // The spool file replays from any offset: the store resumes or starts again from it, never the source.
    const put = await store.putObject(
      `${finalPath}${PARTIAL_SUFFIX}`,
      () => ({ open: (offset) => createReadStream(file, { start: offset, highWaterMark: 256 * 1024 }) }),
      { onProgress: (b) => input.onObjectProgress?.(plan.name, b), restartable: false },
    );
    return acceptPut(input, plan, put, d, 'are in the spool file', put.attempts, summary, content.bytes);
  } finally {
    failFast.removeEventListener('abort', onAbort);
    input.signal?.removeEventListener('abort', onAbort);
    await rm(file, { force: true });
  }
}

/**
 * The anomaly check: this run's objects against the manifest of the newest complete set older than this
 * one. Its findings are warnings; a previous manifest that cannot be read is one too (nothing to compare).
 */
async function compareWithPrevious(
  store: RemoteStore,
  jobDir: string,
  current: string,
  objects: readonly ManifestObject[],
  thresholds: AnomalyThresholds,
  log: Logger,
): Promise<string[]> {
  const older = (await store.list(jobDir))
    .filter((e) => e.type === 'dir' && parseSetName(e.name) !== undefined && e.name < current)
    .map((e) => e.name)
    .sort()
    .reverse();
  for (const name of older) {
    const inside = await store.list(`${jobDir}/${name}`);
    if (!inside.some((e) => e.name === MANIFEST_NAME && e.type === 'file')) continue;
    let previous: Manifest;
    try {
      previous = await readManifest(store, `${jobDir}/${name}`);
    } catch (err) {
      return [
        `cannot compare with the previous set ${name}: its manifest cannot be read (${err instanceof Error ? err.message : String(err)})`,
      ];
    }
    const found = findAnomalies(previous.objects, objects, name, thresholds).map(
      (a) => `${a.object}: ${a.message}`,
    );
    log.info(
      found.length === 0
        ? `compared with set ${name}: nothing shrank`
        : `compared with set ${name}: ${found.length} finding(s)`,
    );
    return found;
  }
  log.info('no previous complete set to compare with');
  return [];
}

/**
 * Removes manifest-less sets older than the current one (our names only) under the same grace rule as
 * retention (incompleteSetDecision): a younger one may be a run still in progress elsewhere.
 */
async function removeStaleSets(
  store: RemoteStore,
  jobDir: string,
  current: string,
  now: Date,
  log: Logger,
): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await store.list(jobDir)) {
    const time = entry.type === 'dir' ? parseSetName(entry.name) : undefined;
    if (time === undefined || entry.name >= current) continue;
    const inside = await store.listSmall(`${jobDir}/${entry.name}`);
    if (inside.some((e) => e.name === MANIFEST_NAME && e.type === 'file')) continue;
    const decision = incompleteSetDecision(time, now);
    if (!decision.remove) continue;
    log.info(`removing set ${entry.name} left by an earlier failed run: ${decision.reason}`);
    await store.removeTree(`${jobDir}/${entry.name}`);
    removed.push(entry.name);
  }
  return removed;
}
