/** The metrics textfile of a configuration (metrics.textfile), rewritten from every job's history. */
import type { LoadedConfig } from '../config/index.ts';
import { renderMetrics, StateStore, writeMetricsFile } from '../scheduler/index.ts';

/** A function that rewrites the metrics file, or undefined when none is configured. */
export function metricsWriter(config: LoadedConfig): (() => Promise<void>) | undefined {
  const file = config.metrics.textfile;
  if (file === undefined) return undefined;
  const state = new StateStore(config.state.dir);
  return async () => {
    const jobs = await Promise.all(
      config.jobs.map(async (j) => ({ job: j.name, history: await state.history(j.name) })),
    );
    await writeMetricsFile(file, renderMetrics(jobs));
  };
}
