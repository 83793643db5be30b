/**
 * verifySet: checks every object of a set against manifest.json, streaming (nothing is kept in memory
 * but the hash state): by default it downloads each object and compares size and sha256; with serverHash
 * it asks the store for its SHA-256 instead (downloading where the store has none); with testRestore it
 * also decrypts, decompresses and walks the content (content-check.ts).
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  MANIFEST_LIMITS,
  MANIFEST_NAME,
  ManifestError,
  parseManifest,
  type Manifest,
  type ManifestObject,
} from '../domain/index.ts';
import type { DecryptWith } from '../pipeline/index.ts';
import { TooLargeError, type RemoteStore } from '../storage/types.ts';
import { contentChecker } from './content-check.ts';
import { ObjectMismatchError, readObject } from './read-object.ts';

export interface ObjectCheck {
  name: string;
  ok: boolean;
  size: number;
  sha256: string;
  /** How it was checked: 'downloaded', "the store's SHA-256 (server HASH)", 'downloaded and test-restored'. */
  how: string;
  /** With testRestore: what the content holds (files, tables, …). */
  content?: string;
  problem?: string;
}

/**
 * The one path by which a set's manifest.json is read (list, verify, restore): at most
 * MANIFEST_LIMITS.bytes are downloaded, and its depth, size and object count are checked before it is
 * parsed (a server may send anything). Errors name the set.
 */
export async function readManifest(store: RemoteStore, setPath: string): Promise<Manifest> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const max = MANIFEST_LIMITS.bytes;
  try {
    await store.get(`${setPath}/${MANIFEST_NAME}`, sink, undefined, max);
  } catch (err) {
    if (err instanceof TooLargeError) {
      throw new ManifestError('', `is larger than ${max / 1048576} MiB: refusing it`, setPath);
    }
    throw err;
  }
  try {
    return parseManifest(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    if (err instanceof ManifestError) throw new ManifestError(err.field, err.problem, setPath);
    throw err;
  }
}

export interface VerifyOptions {
  /**
   * Trust the store's own SHA-256 of each object (FTPS: the server's HASH) instead of downloading it;
   * an object the store cannot hash with SHA-256 is downloaded anyway, and the check says so.
   */
  serverHash?: boolean;
  /** Also decrypt, decompress and walk every object's content (tar entries, the dump's trailer). */
  testRestore?: boolean;
  /** Key of encrypted objects (needed only with testRestore). */
  keys?: DecryptWith | undefined;
  onProgress?: (object: string, bytes: number) => void;
  /** The set's manifest when the caller has read it already (it is not downloaded again). */
  manifest?: Manifest;
}

export async function verifySet(
  store: RemoteStore,
  setPath: string,
  options: VerifyOptions = {},
): Promise<{ manifest: Manifest; checks: ObjectCheck[] }> {
  const manifest = options.manifest ?? (await readManifest(store, setPath));
  const checks: ObjectCheck[] = [];
  for (const o of manifest.objects) {
    checks.push(await verifyObject(store, setPath, o, options));
  }
  return { manifest, checks };
}

async function verifyObject(
  store: RemoteStore,
  setPath: string,
  o: ManifestObject,
  options: VerifyOptions,
): Promise<ObjectCheck> {
  const path = `${setPath}/${o.name}`;
  const progress = (b: number): void => options.onProgress?.(o.name, b);
  const result = (how: string, problem?: string, extra: Partial<ObjectCheck> = {}): ObjectCheck => ({
    name: o.name,
    ok: problem === undefined,
    size: o.size,
    sha256: o.sha256,
    how,
    ...extra,
    ...(problem !== undefined ? { problem } : {}),
  });
  if (options.testRestore === true) {
    const checker = contentChecker(o.source);
    try {
      await readObject(store, setPath, o, options.keys, checker.sink, progress);
    } catch (err) {
      return result('downloaded and test-restored', describeFailure(err));
    }
    const { summary, problems } = checker.result();
    return result('downloaded and test-restored', problems.length > 0 ? problems.join('; ') : undefined, {
      content: summary,
    });
  }
  let note: string | undefined;
  if (options.serverHash === true) {
    try {
      const [size, h] = [await store.size(path), await store.hash(path)];
      if (h?.algorithm === 'SHA-256') {
        const how = `the store's SHA-256 (${store.description.startsWith('local:') ? 'computed locally' : 'server HASH'})`;
        if (size !== o.size) return result(how, `size ${String(size)} differs from the manifest's ${o.size}`);
        if (h.hex !== o.sha256) {
          return result(how, `sha256 ${h.hex} differs from the manifest's ${o.sha256}`, { sha256: h.hex });
        }
        return result(how);
      }
      note =
        h === undefined
          ? 'the server offers no hash command'
          : `the server offers only ${h.algorithm}, which the manifest does not record`;
    } catch (err) {
      note = `the server's hash failed (${describeFailure(err)})`;
    }
  }
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb();
    },
  });
  const how = note === undefined ? 'downloaded' : `downloaded: ${note}`;
  try {
    await store.get(path, sink, progress, o.size);
  } catch (err) {
    return result(how, `cannot be read: ${describeFailure(err)}`);
  }
  const sha256 = hash.digest('hex');
  if (size !== o.size)
    return result(how, `size ${size} differs from the manifest's ${o.size}`, { size, sha256 });
  if (sha256 !== o.sha256) {
    return result(how, `sha256 ${sha256} differs from the manifest's ${o.sha256}`, { size, sha256 });
  }
  return result(how);
}

function describeFailure(err: unknown): string {
  if (err instanceof ObjectMismatchError) return err.message.slice(err.object.length + 2);
  return err instanceof Error ? err.message : String(err);
}
