/**
 * `ftps-backup restore <job> [<set>|latest] --to <folder>`: downloads a set's objects, checks each
 * against the manifest while streaming, decrypts and decompresses them, and puts them into the target
 * only when all are good (src/app/restore-set.ts has the layout and the rules). `--only` picks one
 * object; `--db-to-file` / `--db-into` send the SQL of a database elsewhere. Progress while it runs, a
 * summary at the end (JSON with --json).
 */
import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import { listSets } from '../../app/list-sets.ts';
import { restoreSet, type RestoredObject, type RestoreSetResult } from '../../app/restore-set.ts';
import { readManifest } from '../../app/verify-set.ts';
import type { EffectiveJob } from '../../config/index.ts';
import { setsFolder, type ManifestObject } from '../../domain/index.ts';
import { Redactor } from '../../logging/index.ts';
import { mysqlTarget, type SqlTarget } from '../../restore/index.ts';
import { addConfigOption } from '../config-option.ts';
import { jobDestination, mysqlConnection } from '../compose.ts';
import {
  addDecryptionOptions,
  requireDecryption,
  resolveDecryption,
  type DecryptionOptions,
} from '../decryption-option.ts';
import { UsageError } from '../ftp-url.ts';
import { createProgress, formatBytes, type Progress } from '../progress.ts';
import type { CliContext } from '../context.ts';

interface RestoreOptions extends DecryptionOptions {
  config?: string;
  to?: string;
  only?: string;
  overwrite?: boolean;
  dbToFile?: string;
  dbInto?: string;
  force?: boolean;
  json?: boolean;
}

/** The objects `--only` names (object file name, source label or database name); all without it. */
export function selectObjects(objects: ManifestObject[], only: string | undefined): ManifestObject[] {
  if (only === undefined) return objects;
  const hit = objects.filter(
    (o) =>
      o.name === only || (o.source.kind === 'mysql' ? o.source.database === only : o.source.label === only),
  );
  if (hit.length === 0) {
    const known = objects.map((o) =>
      o.source.kind === 'mysql'
        ? `${o.source.database} (database)`
        : `${o.source.label} (${{ directory: 'folder', sqlite: 'sqlite database', command: 'command output' }[o.source.kind]})`,
    );
    throw new UsageError(`--only ${only}: the set holds no such object; it holds ${known.join(', ')}`);
  }
  return hit;
}

async function sqlTargetFor(job: EffectiveJob, database: string, ctx: CliContext): Promise<SqlTarget> {
  const sources = job.sources.filter((s) => s.type === 'mysql');
  const source =
    sources.find((s) => Array.isArray(s.databases) && s.databases.includes(database)) ??
    sources.find((s) => s.databases === 'all') ??
    sources[0];
  if (source === undefined) {
    throw new UsageError(
      `--db-into: job ${job.name} has no mysql source to take the connection from; use --db-to-file and load it yourself`,
    );
  }
  return mysqlTarget(await mysqlConnection(source, ctx.env, ctx.log, ctx.redactor ?? new Redactor()));
}

function describe(o: RestoredObject): string {
  if (o.restored === undefined) return `${o.name} → ${o.where} (${formatBytes(o.storedBytes)} stored)`;
  const r = o.restored;
  return `${o.name} → ${o.where}: ${r.files} files, ${r.dirs} folders, ${r.symlinks} symlinks, ${formatBytes(r.bytes)}`;
}

/** Differences between what was written and what the manifest says the backup held. */
function mismatches(o: RestoredObject): string[] {
  if (o.restored === undefined || o.expected === undefined) return [];
  const out: string[] = [];
  for (const key of ['files', 'dirs', 'symlinks', 'bytes'] as const) {
    if (o.restored[key] !== o.expected[key])
      out.push(`${o.name}: ${o.restored[key]} ${key} restored, the manifest lists ${o.expected[key]}`);
  }
  return out;
}

export function registerRestore(program: Command, ctx: CliContext): void {
  addConfigOption(
    addDecryptionOptions(
      program
        .command('restore')
        .description(
          "download a job's set, check every object against its manifest and restore it into a folder",
        )
        .argument('<job>')
        .argument('[set]', 'a set name, or latest (the newest complete set)', 'latest')
        .option(
          '--to <folder>',
          'target folder: <folder>/<label>/ per folder, <folder>/db-<name>.sql per database',
        )
        .option(
          '--only <name>',
          'restore only this object: a source label (folder, sqlite, command) or a database name',
        )
        .option('--overwrite', 'replace existing files in the target (default: refuse and restore nothing)')
        .option('--db-to-file <path>', 'write the SQL of the database to this file')
        .option(
          '--db-into <database>',
          "load the dump into this database on the job's mysql server (created when missing)",
        )
        .option('--force', 'with --db-into: load even when the database is not empty')
        .option('--json', 'print the summary as JSON'),
    ),
  ).action(async (name: string, which: string, opts: RestoreOptions) => {
    if (opts.force === true && opts.dbInto === undefined) throw new UsageError('--force goes with --db-into');
    if (opts.dbInto !== undefined && opts.dbToFile !== undefined)
      throw new UsageError('give --db-into or --db-to-file, not both');
    const { job, dest } = await jobDestination(opts, name, ctx);
    const sets = await listSets(dest.store, dest.root, job.name);
    const complete = sets.filter((s) => s.complete);
    const set = which === 'latest' ? complete[0] : sets.find((s) => s.name === which);
    if (set === undefined) {
      throw new UsageError(
        which === 'latest'
          ? `job ${job.name} has no complete set on ${dest.store.description}`
          : `no set named ${which} for job ${job.name} (see: ftps-backup list ${job.name})`,
      );
    }
    if (!set.complete)
      throw new UsageError(
        `set ${set.name} of job ${job.name} is incomplete (no manifest.json): it cannot be restored`,
      );
    const keys = await resolveDecryption(opts, ctx);
    const store = await dest.store.open();
    let cleanup: string[] = [];
    const onSignal = (sig: NodeJS.Signals): void => {
      ctx.log.warn(`${sig}: restore stopped — nothing was moved into place`);
      for (const path of cleanup) rmSync(path, { recursive: true, force: true });
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let result: RestoreSetResult;
    try {
      const setPath = `${setsFolder(dest.root, job.name)}/${set.name}`;
      const manifest = await readManifest(store, setPath);
      const objects = selectObjects(manifest.objects, opts.only);
      const encrypted = objects.some((o) => o.encrypted);
      const dbObjects = objects.filter((o) => o.source.kind === 'mysql');
      const special = opts.dbInto !== undefined || opts.dbToFile !== undefined;
      if (special && dbObjects.length !== 1) {
        throw new UsageError(
          `--db-into and --db-to-file take one database, and ${dbObjects.length === 0 ? 'the selection holds none' : `the set holds ${dbObjects.length}`}: choose one with --only <database>`,
        );
      }
      const toTarget = objects.filter((o) => o.source.kind !== 'mysql' || !special);
      if (toTarget.length > 0 && opts.to === undefined) {
        throw new UsageError(
          `where to? give --to <folder> for ${toTarget.map((o) => o.name).join(', ')}${special ? ' (or --only <database>)' : ''}`,
        );
      }
      let dbInto;
      const dumped = dbObjects[0]?.source;
      if (opts.dbInto !== undefined && dumped?.kind === 'mysql') {
        dbInto = {
          database: opts.dbInto,
          // the server of the source that made the dump
          target: await sqlTargetFor(job, dumped.database, ctx),
          force: opts.force === true,
        };
      }
      ctx.log.info(
        `restoring ${objects.map((o) => o.name).join(', ')} of ${job.name}/${set.name}${opts.to !== undefined ? ` into ${opts.to}` : ''}`,
      );
      const bars = new Map<string, Progress>();
      result = await restoreSet({
        store,
        setPath,
        objects,
        ...(encrypted ? { keys: requireDecryption(keys, `set ${set.name}`) } : {}),
        ...(opts.to !== undefined ? { to: opts.to } : {}),
        overwrite: opts.overwrite === true,
        ...(opts.dbToFile !== undefined ? { dbToFile: opts.dbToFile } : {}),
        ...(dbInto !== undefined ? { dbInto } : {}),
        onProgress: (object, bytes) => {
          let bar = bars.get(object.name);
          if (bar === undefined) {
            bar = createProgress(`restore ${object.name}`, object.size, ctx.stderr, (l) => ctx.log.info(l));
            bars.set(object.name, bar);
          }
          bar.update(bytes);
          if (bytes === object.size) bar.done();
        },
        onCleanup: (paths) => {
          cleanup = paths;
        },
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await store.close();
    }
    const differences = result.objects.flatMap(mismatches);
    for (const w of [...result.warnings, ...differences]) ctx.log.warn(w);
    for (const o of result.objects) ctx.log.info(describe(o));
    ctx.log.info(
      `restored ${result.objects.length} object(s) of ${job.name}/${set.name}${result.replaced > 0 ? `, ${result.replaced} existing entries replaced` : ''}${result.warnings.length + differences.length > 0 ? `, ${result.warnings.length + differences.length} warning(s)` : ''}`,
    );
    if (opts.json === true)
      ctx.stdout.write(
        `${JSON.stringify({ ...result, set: set.name, warnings: [...result.warnings, ...differences] }, null, 2)}\n`,
      );
  });
}
