/**
 * prune: rotation of a job's sets on its store. The decision is the pure applyRetention over the remote
 * listing (never a local state file, never server mtimes: the folder name carries the UTC time); only
 * folders matching our set pattern inside the job's folder are ever removed.
 *
 * Before deciding, the manifests of the newest complete sets are read, newest first, until one without
 * warnings is found (at most MANIFESTS_READ): retention never removes the newest set that had no
 * warnings. A manifest that cannot be read leaves that set's warnings unknown (logged).
 */
import {
  applyRetention,
  describeRetention,
  type RetentionPolicy,
  setsFolder,
  type RetentionResult,
} from '../domain/index.ts';
import type { StoreFactory } from '../storage/types.ts';
import type { Logger } from '../logging/index.ts';
import { listSets, type SetInfo } from './list-sets.ts';
import { readManifest } from './verify-set.ts';

/** Manifests read at most to find the newest set without warnings. */
export const MANIFESTS_READ = 30;

export interface PruneResult {
  decision: RetentionResult;
  lines: string[];
  removed: string[];
}

export async function prune(opts: {
  stores: StoreFactory;
  root: string;
  job: string;
  policy: RetentionPolicy;
  now: Date;
  dryRun: boolean;
  log: Logger;
  incompleteGraceMs?: number;
}): Promise<PruneResult> {
  const sets = await listSets(opts.stores, opts.root, opts.job);
  const warnings = await warningCounts(opts, sets);
  const decision = applyRetention(
    sets.map((s) => ({ name: s.name, time: s.time, complete: s.complete, warnings: warnings.get(s.name) })),
    opts.policy,
    opts.now,
    opts.incompleteGraceMs !== undefined ? { incompleteGraceMs: opts.incompleteGraceMs } : {},
  );
  const lines = describeRetention(decision);
  const removed: string[] = [];
  if (!opts.dryRun && decision.remove.length > 0) {
    const store = await opts.stores.open();
    try {
      const jobDir = setsFolder(opts.root, opts.job);
      for (const r of decision.remove) {
        opts.log.info(`prune ${opts.job}: removing ${r.name} (${r.reason})`);
        await store.removeTree(`${jobDir}/${r.name}`);
        removed.push(r.name);
      }
    } finally {
      await store.close();
    }
  }
  return { decision, lines, removed };
}

/** Warnings per set for the newest complete sets (not in the future), read until one has none. */
async function warningCounts(
  opts: { stores: StoreFactory; root: string; job: string; now: Date; log: Logger },
  sets: readonly SetInfo[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const candidates = sets
    .filter((s) => s.complete && s.time.getTime() <= opts.now.getTime())
    .sort((a, b) => b.time.getTime() - a.time.getTime())
    .slice(0, MANIFESTS_READ);
  if (candidates.length === 0) return out;
  const store = await opts.stores.open();
  try {
    const jobDir = setsFolder(opts.root, opts.job);
    for (const s of candidates) {
      try {
        const n = (await readManifest(store, `${jobDir}/${s.name}`)).warnings.length;
        out.set(s.name, n);
        if (n === 0) break;
      } catch (err) {
        opts.log.warn(
          `prune ${opts.job}: cannot read the manifest of ${s.name} (${err instanceof Error ? err.message : String(err)}); its warnings are unknown`,
        );
      }
    }
  } finally {
    await store.close();
  }
  return out;
}
