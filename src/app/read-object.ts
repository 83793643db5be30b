/**
 * Reading an object of a set back: the stored bytes are counted and hashed as they arrive (the
 * manifest's size and sha256 are those of the stored bytes), then decrypted (age, when the object is
 * encrypted) and decompressed into the caller's consumer. Shared by restore and verify --test-restore.
 *
 * The consumer sees the content before the last byte has been hashed: it must treat what it wrote as
 * provisional until readObject resolves (restore extracts into a staging folder and moves entries into
 * place only afterwards). A size or sha256 that differs from the manifest rejects with
 * ObjectMismatchError, as does a download that fails midway.
 */
import { createHash } from 'node:crypto';
import { Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentLimit, type ManifestObject } from '../domain/index.ts';
import { createDecompressor, createDecryptor, type DecryptWith } from '../pipeline/index.ts';
import type { RemoteStore } from '../storage/types.ts';

export class ObjectMismatchError extends Error {
  override name = 'ObjectMismatchError';
  readonly object: string;

  constructor(object: string, problem: string, options?: ErrorOptions) {
    super(`${object}: ${problem}`, options);
    this.object = object;
  }
}

export class EncryptedObjectError extends Error {
  override name = 'EncryptedObjectError';
}

/** The decoded content grew past what the manifest allows (a decompression bomb, or a forged object). */
export class ContentLimitError extends Error {
  override name = 'ContentLimitError';
}

/**
 * Passes at most `limit` bytes on; the first byte past it fails the stream with ContentLimitError
 * (nothing past the limit is passed on).
 */
export function byteLimit(limit: number, what: () => string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > limit) callback(new ContentLimitError(what()));
      else callback(null, chunk);
    },
  });
}

export interface ReadObjectResult {
  /** Stored bytes read (equal to the manifest's size). */
  bytes: number;
  sha256: string;
}

/**
 * Streams `object` of the set at `setPath` into `consumer` as plain content. `keys` is needed only for
 * encrypted objects (EncryptedObjectError without it). `onProgress` counts stored bytes. `bound` caps
 * the decoded content (default: contentLimit, what the manifest allows; undefined: no cap).
 */
export async function readObject(
  store: RemoteStore,
  setPath: string,
  object: ManifestObject,
  keys: DecryptWith | undefined,
  consumer: Writable,
  onProgress?: (bytes: number) => void,
  bound: { bytes: number; basis: string } | undefined = contentLimit(object),
): Promise<ReadObjectResult> {
  if (object.encrypted && keys === undefined) {
    throw new EncryptedObjectError(`${object.name} is encrypted: its age identity or passphrase is needed`);
  }
  // What the content may grow to once decoded: a decompression bomb stops at the first byte past it.
  const stages: Transform[] = [
    ...(object.encrypted && keys !== undefined ? [createDecryptor(keys)] : []),
    createDecompressor(object.compression),
    ...(bound === undefined
      ? []
      : [
          byteLimit(
            bound.bytes,
            () =>
              `${object.name} decodes to more than ${bound.bytes} bytes (${bound.basis}): refusing the rest`,
          ),
        ]),
  ];
  const decodeIn = stages[0] as Transform;
  let flowError: unknown;
  const flow = pipeline([...stages, consumer]).catch((err: unknown) => {
    flowError = err;
  });
  // Every stored byte is hashed, even after decoding failed: whether the object itself is damaged is
  // the verdict that matters, and it needs the whole object.
  const hash = createHash('sha256');
  let bytes = 0;
  const hashing = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      if (flowError !== undefined || decodeIn.destroyed || decodeIn.write(chunk)) callback();
      else
        waitDrain(decodeIn).then(
          () => callback(),
          () => callback(),
        );
    },
    final(callback) {
      if (!decodeIn.destroyed) decodeIn.end();
      callback();
    },
  });
  let downloadError: unknown;
  try {
    // never more than the manifest's size: the download stops at the first byte past it
    await store.get(`${setPath}/${object.name}`, hashing, onProgress, object.size);
    await new Promise<void>((resolve, reject) => {
      hashing.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    downloadError = err;
    decodeIn.destroy(err instanceof Error ? err : new Error(String(err)));
  }
  await flow;
  if (downloadError !== undefined) {
    throw new ObjectMismatchError(object.name, `cannot be read: ${message(downloadError)}`, {
      cause: downloadError,
    });
  }
  // The stored bytes decide first: a damaged object usually also breaks decryption or decompression,
  // and "sha256 differs" says more than "invalid zstd frame".
  const cause = flowError !== undefined ? { cause: flowError } : undefined;
  if (bytes !== object.size) {
    throw new ObjectMismatchError(
      object.name,
      `${bytes} bytes stored, the manifest says ${object.size}`,
      cause,
    );
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== object.sha256) {
    throw new ObjectMismatchError(
      object.name,
      `sha256 ${sha256} differs from the manifest's ${object.sha256}: the stored object is damaged`,
      cause,
    );
  }
  if (flowError !== undefined) throw flowError instanceof Error ? flowError : new Error(message(flowError));
  return { bytes, sha256 };
}

/** Resolves on 'drain'; also when the stream closes or fails (the caller checks its state). */
function waitDrain(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err);
}
