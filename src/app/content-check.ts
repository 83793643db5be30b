/**
 * Test-restores of an object's content without writing anything: a folder archive is walked entry by
 * entry (every byte read) and counted, a database dump is scanned for its objects and its trailer, an
 * SQLite copy is checked for its file header and length, a command's output for its length. The
 * counts are compared with the source summary the manifest recorded when the set was made.
 */
import { Writable } from 'node:stream';
import { extract } from 'tar-stream';
import type { ManifestSource } from '../domain/index.ts';
import { DumpScanner } from '../sources/index.ts';

export interface ContentChecker {
  /** Where readObject writes the plain content. */
  sink: Writable;
  /** After the sink finished: a one-line summary and the differences from the manifest (none: fine). */
  result(): { summary: string; problems: string[] };
}

export function contentChecker(source: ManifestSource): ContentChecker {
  if (source.kind === 'sqlite') return sqliteChecker(source);
  if (source.kind === 'command') return outputChecker(source);
  return source.kind === 'directory' ? tarChecker(source) : dumpChecker(source);
}

/** A command's output: only its length is known. */
function outputChecker(expected: Extract<ManifestSource, { kind: 'command' }>): ContentChecker {
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  return {
    sink,
    result: () => ({
      summary: `${bytes} bytes of output of ${expected.program}`,
      problems:
        bytes === expected.bytes
          ? []
          : [`the output holds ${bytes} bytes, the manifest says ${expected.bytes}`],
    }),
  };
}

/** The first 16 bytes of every SQLite 3 database file. */
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** An SQLite copy: its file header and its length (the table count needs the file, not a stream). */
function sqliteChecker(expected: Extract<ManifestSource, { kind: 'sqlite' }>): ContentChecker {
  let bytes = 0;
  let head = Buffer.alloc(0);
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      if (head.length < SQLITE_HEADER.length)
        head = Buffer.concat([head, chunk.subarray(0, SQLITE_HEADER.length - head.length)]);
      bytes += chunk.length;
      callback();
    },
  });
  return {
    sink,
    result: () => {
      const problems: string[] = [];
      if (!head.equals(SQLITE_HEADER))
        problems.push('the object does not start with the SQLite 3 file header');
      if (bytes !== expected.bytes)
        problems.push(`the database copy holds ${bytes} bytes, the manifest says ${expected.bytes}`);
      return {
        summary: `an SQLite 3 database of ${bytes} bytes (${expected.tables} tables recorded)`,
        problems,
      };
    },
  };
}

function tarChecker(expected: Extract<ManifestSource, { kind: 'directory' }>): ContentChecker {
  const seen = { files: 0, dirs: 0, symlinks: 0, bytes: 0, other: 0 };
  const walker = extract();
  walker.on('entry', (header, stream, next) => {
    if (header.type === 'file' || header.type === 'contiguous-file') seen.files++;
    // the archive's own root ('./') is not one of the folders the manifest counts
    else if (header.type === 'directory') seen.dirs += /^\.?\/?$/.test(header.name) ? 0 : 1;
    else if (header.type === 'symlink') seen.symlinks++;
    else seen.other++;
    stream.on('data', (chunk: unknown) => {
      seen.bytes += (chunk as Buffer).length;
    });
    stream.on('end', next);
    stream.on('error', next);
  });
  return {
    // tar-stream's extract is a streamx Writable: Node's pipeline drives it like its own (write, end,
    // 'finish', 'error', 'close'), as the quick start's extraction does
    sink: walker as unknown as Writable,
    result: () => {
      const problems: string[] = [];
      for (const key of ['files', 'dirs', 'symlinks', 'bytes'] as const) {
        if (seen[key] !== expected[key]) {
          problems.push(`the archive holds ${seen[key]} ${key}, the manifest says ${expected[key]}`);
        }
      }
      return {
        summary: `${seen.files} files, ${seen.dirs} folders, ${seen.symlinks} symlinks, ${seen.bytes} bytes of content`,
        problems,
      };
    },
  };
}

function dumpChecker(expected: Extract<ManifestSource, { kind: 'mysql' }>): ContentChecker {
  const scanner = new DumpScanner();
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      scanner.push(chunk);
      callback();
    },
  });
  return {
    sink,
    result: () => {
      const stats = scanner.finish();
      const problems: string[] = [];
      if (!stats.completed) {
        problems.push('the dump does not end with its "-- Dump completed" line: it is cut short');
      }
      for (const key of ['tables', 'views', 'routines', 'triggers', 'events'] as const) {
        const want = expected[key];
        if (want !== undefined && stats[key] !== want) {
          problems.push(`the dump creates ${stats[key]} ${key}, the manifest says ${want}`);
        }
      }
      return {
        summary: `${stats.tables} tables, ${stats.views} views, ${stats.routines} routines, ${stats.triggers} triggers, ${stats.events} events${stats.completed ? ', complete' : ''}`,
        problems,
      };
    },
  };
}
