/**
 * prune: rotation of a job's sets on its store. The decision is the pure applyRetention over the remote
 * listing (never a local state file, never server mtimes: the folder name carries the UTC time); only
 * folders matching our set pattern inside the job's folder are ever removed.
 */
import {
  applyRetention,
  describeRetention,
  type RetentionPolicy,
  type RetentionResult,
} from '../domain/index.ts';
import type { StoreFactory } from '../storage/types.ts';
import type { Logger } from '../logging/index.ts';
import { listSets } from './list-sets.ts';
import { setsFolder } from './run-job.ts';

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
  const decision = applyRetention(
    sets.map((s) => ({ name: s.name, time: s.time, complete: s.complete })),
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
