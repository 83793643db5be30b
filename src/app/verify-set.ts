/**
 * verifySet: downloads every object of a set and checks its size and sha256 against manifest.json,
 * streaming (nothing is kept in memory but the hash state).
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { MANIFEST_NAME, parseManifest, type Manifest } from '../domain/index.ts';
import type { RemoteStore } from '../storage/types.ts';

export interface ObjectCheck {
  name: string;
  ok: boolean;
  size: number;
  sha256: string;
  problem?: string;
}

export async function readManifest(store: RemoteStore, setPath: string): Promise<Manifest> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  await store.get(`${setPath}/${MANIFEST_NAME}`, sink);
  return parseManifest(Buffer.concat(chunks).toString('utf8'));
}

export async function verifySet(
  store: RemoteStore,
  setPath: string,
): Promise<{ manifest: Manifest; checks: ObjectCheck[] }> {
  const manifest = await readManifest(store, setPath);
  const checks: ObjectCheck[] = [];
  for (const o of manifest.objects) {
    const hash = createHash('sha256');
    let size = 0;
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb();
      },
    });
    let problem: string | undefined;
    try {
      await store.get(`${setPath}/${o.name}`, sink);
    } catch (err) {
      problem = `cannot be read: ${(err as Error).message}`;
    }
    const sha256 = hash.digest('hex');
    if (problem === undefined && size !== o.size)
      problem = `size ${size} differs from the manifest's ${o.size}`;
    if (problem === undefined && sha256 !== o.sha256)
      problem = `sha256 ${sha256} differs from the manifest's ${o.sha256}`;
    checks.push({
      name: o.name,
      ok: problem === undefined,
      size,
      sha256,
      ...(problem !== undefined ? { problem } : {}),
    });
  }
  return { manifest, checks };
}
