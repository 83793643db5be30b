/**
 * The age payload (C2SP age spec, "Payload"): a 16-byte random nonce, then the plaintext in 64 KiB
 * chunks, each sealed with ChaCha20-Poly1305 under HKDF-SHA256(file key, nonce, "payload"). The chunk
 * nonce is an 11-byte big-endian counter and a last-chunk flag (1 on the final chunk only). The final
 * chunk may be full; it is empty only when the whole plaintext is empty.
 *
 * Both directions are Transforms holding at most one chunk (plus one input buffer; the encryptor also
 * the output buffer it seals into), so back-pressure bounds memory whatever the size. Because the flag is in the nonce, a cut at a chunk boundary, trailing
 * bytes and swapped chunks all fail authentication; the decryptor tells them apart for the message.
 */
import { createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { encryptorOutputPool, releaseChunk } from '../buffer-pool.ts';
import { AgeError } from './errors.ts';
import { checkHeaderMac, encodeHeader, parseHeader, type ParsedHeader, type Stanza } from './header.ts';
import { FILE_KEY_BYTES, type Identity, type Recipient } from './keys.ts';
import {
  chunkNonce,
  ChunkSealer,
  NONCE_BYTES,
  payloadKey,
  SEALED_CHUNK,
  SEAL_PIECE_BYTES,
  TAG_BYTES,
} from './payload.ts';

export { CHUNK_BYTES } from './payload.ts';

function open(key: KeyObject, counter: number, last: boolean, sealed: Buffer): Buffer | undefined {
  const d = createDecipheriv('chacha20-poly1305', key, chunkNonce(counter, last), {
    authTagLength: TAG_BYTES,
  });
  d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const pt = d.update(sealed.subarray(0, sealed.length - TAG_BYTES));
  try {
    d.final();
  } catch {
    return undefined;
  }
  return pt;
}

/**
 * Encrypts to age: the header and payload nonce first, then the sealed chunks, written into buffers lent
 * by encryptorOutputPool and pushed as slices (one per input piece): the upload releases them once the
 * socket took them, and the buffer is sealed into again.
 */
class AgeEncryptStream extends Transform {
  private readonly recipients: readonly Recipient[];
  /** The header pushed, then the sealer of the payload. */
  private started: Promise<ChunkSealer> | undefined;
  /** The lent buffer being filled, and how far. */
  private out: Buffer | undefined;
  private outEnd = 0;

  constructor(recipients: readonly Recipient[]) {
    super();
    this.recipients = recipients;
  }

  private start(): Promise<ChunkSealer> {
    this.started ??= (async () => {
      const fileKey = randomBytes(FILE_KEY_BYTES);
      const stanzas: Stanza[] = (await Promise.all(this.recipients.map((r) => r.wrap(fileKey)))).flat();
      const nonce = randomBytes(NONCE_BYTES);
      this.push(Buffer.concat([encodeHeader(stanzas, fileKey), nonce]));
      return new ChunkSealer(payloadKey(fileKey, nonce));
    })();
    return this.started;
  }

  /** Room for `bytes` more in the lent buffer (the full one retired, another taken). */
  private room(bytes: number): Buffer {
    if (this.out !== undefined && this.out.length - this.outEnd < bytes) this.retire();
    if (this.out === undefined) {
      this.out = encryptorOutputPool.take();
      this.outEnd = 0;
    }
    return this.out.subarray(this.outEnd);
  }

  private pushSealed(bytes: number): void {
    if (this.out === undefined || bytes === 0) return;
    const slice = this.out.subarray(this.outEnd, this.outEnd + bytes);
    this.outEnd += bytes;
    encryptorOutputPool.pushed(slice);
    this.push(slice);
  }

  private retire(): void {
    if (this.out !== undefined) encryptorOutputPool.retire(this.out);
    this.out = undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.start().then((sealer) => {
      for (let off = 0; off < chunk.length; off += SEAL_PIECE_BYTES) {
        const piece = chunk.subarray(off, off + SEAL_PIECE_BYTES);
        this.pushSealed(sealer.write(piece, this.room(ChunkSealer.maxOutput(piece.length))));
      }
      // sealed or copied: the input's memory may be reused (compressor output, read buffers)
      releaseChunk(chunk);
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    this.start().then((sealer) => {
      this.pushSealed(sealer.end(this.room(SEALED_CHUNK)));
      this.retire();
      callback();
    }, callback);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.retire();
    callback(err);
  }
}

/** Encrypts a stream to every recipient (one or more X25519 recipients, or one passphrase). */
export function encryptStream(recipients: readonly Recipient[]): Transform {
  if (recipients.length === 0) throw new TypeError('age encryption needs at least one recipient');
  return new AgeEncryptStream(recipients);
}

export interface DecryptOptions {
  identities: readonly Identity[];
  /** Says why nothing matched, given the header's stanzas (see index.ts). */
  noMatch: (stanzas: readonly Stanza[]) => string;
}

/** Decrypts an age stream: header (MAC checked), then the payload; every failure is an AgeError. */
class AgeDecryptStream extends Transform {
  private readonly opts: DecryptOptions;
  private header: Buffer | undefined = Buffer.alloc(0);
  /** Known once the header is open, until the payload nonce arrives. */
  private fileKey: Buffer | undefined;
  /** The payload key. */
  private key: KeyObject | undefined;
  private counter = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(opts: DecryptOptions) {
    super();
    this.opts = opts;
  }

  private async unlock(h: ParsedHeader): Promise<Buffer> {
    for (const id of this.opts.identities) {
      const fileKey = await id.unwrap(h.stanzas);
      if (fileKey !== undefined) {
        checkHeaderMac(h, fileKey);
        return fileKey;
      }
    }
    throw new AgeError('no-match', this.opts.noMatch(h.stanzas));
  }

  private consume(n: number): Buffer {
    const first = this.pending[0];
    let out: Buffer;
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      out = all.subarray(0, n);
      this.pending = all.length > n ? [all.subarray(n)] : [];
    }
    this.pendingBytes -= n;
    return out;
  }

  /** Opens every chunk known not to be the last (more bytes follow it). */
  private openReady(): Buffer[] {
    const out: Buffer[] = [];
    if (this.key === undefined) return out;
    while (this.pendingBytes > SEALED_CHUNK) {
      const sealed = this.consume(SEALED_CHUNK);
      const plain = open(this.key, this.counter, false, sealed);
      if (plain === undefined) {
        if (open(this.key, this.counter, true, sealed) !== undefined) {
          throw new AgeError(
            'trailing-data',
            `the encrypted data goes on after its final chunk (${this.pendingBytes} bytes too many)`,
          );
        }
        throw this.damaged();
      }
      this.counter++;
      out.push(plain);
    }
    return out;
  }

  private damaged(): AgeError {
    return new AgeError(
      'bad-payload',
      `the encrypted data is damaged or was altered: chunk ${this.counter} (at payload byte ${this.counter * SEALED_CHUNK}) fails authentication`,
    );
  }

  private async accept(chunk: Buffer): Promise<Buffer[]> {
    if (this.header !== undefined) {
      this.header = Buffer.concat([this.header, chunk]);
      const parsed = parseHeader(this.header);
      if (!parsed.done) return [];
      this.header = undefined;
      this.fileKey = await this.unlock(parsed.header);
      chunk = parsed.rest;
    }
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.fileKey !== undefined) {
      if (this.pendingBytes < NONCE_BYTES) return [];
      this.key = payloadKey(this.fileKey, this.consume(NONCE_BYTES));
      this.fileKey = undefined;
    }
    return this.openReady();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.accept(chunk).then((out) => {
      for (const b of out) this.push(b);
      callback();
    }, callback);
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.header !== undefined) {
        throw new AgeError(
          'truncated',
          this.header.length === 0 ? 'the file is empty' : 'the file ends inside its age header',
        );
      }
      if (this.key === undefined) {
        throw new AgeError('truncated', 'the file ends before its encrypted payload starts');
      }
      const sealed = this.consume(this.pendingBytes);
      if (sealed.length < TAG_BYTES) {
        throw new AgeError(
          'truncated',
          this.counter === 0 && sealed.length === 0
            ? 'the file ends after its header: the encrypted payload is missing'
            : 'the encrypted data is truncated (it ends inside a chunk)',
        );
      }
      const plain = open(this.key, this.counter, true, sealed);
      if (plain === undefined) {
        // A cut exactly after a chunk: that chunk was sealed as "not last".
        if (open(this.key, this.counter, false, sealed) !== undefined) {
          throw new AgeError('truncated', 'the encrypted data is truncated (its final chunk is missing)');
        }
        throw this.damaged();
      }
      if (plain.length === 0 && this.counter > 0) {
        throw new AgeError('bad-payload', 'the encrypted data ends with an empty chunk, which age forbids');
      }
      callback(null, plain);
    } catch (err) {
      callback(err as Error);
    }
  }
}

export function decryptStream(opts: DecryptOptions): Transform {
  return new AgeDecryptStream(opts);
}
