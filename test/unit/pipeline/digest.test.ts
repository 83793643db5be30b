import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { DigestStream } from '../../../src/pipeline/index.ts';

function sink(parts: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk);
      cb();
    },
  });
}

describe('DigestStream', () => {
  it('passes bytes through and reports their count and sha256', async () => {
    const chunks = [randomBytes(1), randomBytes(70_000), Buffer.alloc(0), randomBytes(333)];
    const whole = Buffer.concat(chunks);
    const d = new DigestStream();
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks), d, sink(out));
    expect(Buffer.concat(out).equals(whole)).toBe(true);
    const expected = createHash('sha256').update(whole).digest('hex');
    expect(await d.digest()).toEqual({ bytes: whole.length, sha256: expected });
    expect(d.bytes).toBe(whole.length);
    expect(d.sha256).toBe(expected);
  });

  it('hashes the empty stream', async () => {
    const d = new DigestStream();
    await pipeline(Readable.from([]), d, sink([]));
    expect(await d.digest()).toEqual({
      bytes: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
  });

  it('counts live and refuses the hash before the end', async () => {
    const d = new DigestStream();
    d.resume();
    d.write(Buffer.from('abc'));
    await new Promise((r) => setImmediate(r));
    expect(d.bytes).toBe(3);
    expect(() => d.sha256).toThrow(/only after the stream ended/);
    d.end();
    expect((await d.digest()).sha256).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('rejects digest() when destroyed before the end', async () => {
    const d = new DigestStream();
    const errors: Error[] = [];
    d.on('error', (e) => errors.push(e));
    d.write(Buffer.from('partial'));
    d.destroy(new Error('upload failed'));
    await expect(d.digest()).rejects.toThrow('upload failed');
    await new Promise((r) => setImmediate(r)); // 'error' is emitted on a later tick
    expect(errors.map((e) => e.message)).toEqual(['upload failed']);
  });

  it('rejects digest() on a destroy without an error', async () => {
    const d = new DigestStream();
    d.destroy();
    await expect(d.digest()).rejects.toThrow(/destroyed before the end/);
  });

  it('does not report an unhandled rejection when nobody asks for the digest', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const d = new DigestStream();
      d.on('error', () => {});
      d.destroy(new Error('boom'));
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('keeps back-pressure (does not read ahead of a stalled consumer)', () => {
    const d = new DigestStream();
    const src = new PassThrough();
    src.pipe(d);
    let accepted = 0;
    // nobody reads `d`: writes must start returning false after a few buffers
    for (let i = 0; i < 100; i++) {
      accepted++;
      if (!src.write(Buffer.alloc(64 * 1024))) break;
    }
    expect(accepted).toBeLessThan(10);
    d.destroy();
    src.destroy();
  });
});
