/**
 * src/pipeline — stream stages between a source and the store: compression (zstd, gzip, none),
 * hashing/counting (DigestStream) and the bounded ReplayWindow that lets an upload resume after a drop
 * without re-running its source, and age encryption (age/: our own implementation of the age v1 format on
 * node:crypto, interoperable with the `age` command line tool).
 *
 * May import only Node built-ins and src/domain. Every stage is a plain Node stream or a small class;
 * none of them buffers more than a bounded amount, so back-pressure keeps memory flat whatever the size.
 */
export { createCompressor, createDecompressor, type CompressionAlgorithm } from './compress.ts';
export {
  BufferPool,
  compressorOutputPool,
  encryptorOutputPool,
  readBufferPool,
  recycleReadBuffer,
  releaseChunk,
  SlicePool,
} from './buffer-pool.ts';
export { DigestStream, type DigestResult } from './digest.ts';
export { ReplayWindow } from './replay.ts';
export {
  AgeError,
  ageRecipients,
  createDecryptor,
  createEncryptor,
  generateX25519Identity,
  loadIdentities,
  loadRecipients,
  parseIdentities,
  parseRecipients,
  type AgeErrorCode,
  type DecryptWith,
  type EncryptTo,
  type Identity,
  type Recipient,
  type X25519Identity,
} from './age/index.ts';
