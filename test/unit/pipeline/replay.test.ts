import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../../src/pipeline/index.ts';

/** Small deterministic PRNG (mulberry32) so a failure can be reproduced from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const concat = (parts: Buffer[]): Buffer => Buffer.concat(parts);

describe('ReplayWindow', () => {
  it('starts empty', () => {
    const w = new ReplayWindow(10);
    expect(w.start).toBe(0);
    expect(w.end).toBe(0);
    expect(w.canReplayFrom(0)).toBe(true);
    expect(w.readFrom(0)).toEqual([]);
    expect(w.canReplayFrom(1)).toBe(false);
  });

  it('keeps everything while under capacity', () => {
    const w = new ReplayWindow(10);
    w.push(Buffer.from('abc'));
    w.push(Buffer.from('def'));
    expect(w.start).toBe(0);
    expect(w.end).toBe(6);
    expect(concat(w.readFrom(0)).toString()).toBe('abcdef');
    expect(concat(w.readFrom(4)).toString()).toBe('ef');
    expect(w.readFrom(6)).toEqual([]);
  });

  it('drops the oldest bytes beyond its capacity', () => {
    const w = new ReplayWindow(5);
    w.push(Buffer.from('abc'));
    w.push(Buffer.from('def'));
    // 6 bytes pushed, 5 kept: 'bcdef'
    expect(w.start).toBe(1);
    expect(concat(w.readFrom(1)).toString()).toBe('bcdef');
    w.push(Buffer.from('gh'));
    // 'defgh'
    expect(w.start).toBe(3);
    expect(concat(w.readFrom(3)).toString()).toBe('defgh');
    expect(w.canReplayFrom(2)).toBe(false);
    expect(() => w.readFrom(2)).toThrow(RangeError);
  });

  it('keeps the tail of a chunk larger than the capacity', () => {
    const w = new ReplayWindow(4);
    w.push(Buffer.from('xy'));
    w.push(Buffer.from('0123456789'));
    expect(w.start).toBe(8);
    expect(w.end).toBe(12);
    expect(concat(w.readFrom(8)).toString()).toBe('6789');
  });

  it('keeps its own copy: a pushed chunk may be reused at once', () => {
    const w = new ReplayWindow(100);
    const chunk = Buffer.from('hello world');
    w.push(chunk);
    chunk.fill(0);
    expect(concat(w.readFrom(6)).toString()).toBe('world');
  });

  it('wraps around its ring across segment boundaries', () => {
    // 2.5 MiB in 1 MiB segments: three segments, the last half used
    const capacity = 2.5 * 1024 * 1024;
    const w = new ReplayWindow(capacity);
    const all: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const chunk = Buffer.alloc(300_001 + i, i);
      all.push(chunk);
      w.push(chunk);
    }
    const expected = Buffer.concat(all).subarray(-capacity);
    expect(w.start).toBe(w.end - capacity);
    expect(concat(w.readFrom(w.start)).equals(expected)).toBe(true);
    expect(concat(w.readFrom(w.end - 12_345)).equals(expected.subarray(-12_345))).toBe(true);
  });

  it('with capacity 0 keeps nothing but can resume exactly at the end', () => {
    const w = new ReplayWindow(0);
    w.push(Buffer.from('abc'));
    expect(w.start).toBe(3);
    expect(w.canReplayFrom(3)).toBe(true);
    expect(w.readFrom(3)).toEqual([]);
    expect(w.canReplayFrom(2)).toBe(false);
  });

  it('rejects a bad capacity and bad offsets', () => {
    expect(() => new ReplayWindow(-1)).toThrow(RangeError);
    expect(() => new ReplayWindow(1.5)).toThrow(RangeError);
    const w = new ReplayWindow(8);
    w.push(Buffer.from('abcd'));
    expect(w.canReplayFrom(5)).toBe(false);
    expect(w.canReplayFrom(-1)).toBe(false);
    expect(w.canReplayFrom(1.5)).toBe(false);
    expect(() => w.readFrom(5)).toThrow(/outside the replay window/);
  });

  it('ignores empty chunks', () => {
    const w = new ReplayWindow(3);
    w.push(Buffer.alloc(0));
    w.push(Buffer.from('ab'));
    w.push(Buffer.alloc(0));
    expect(w.end).toBe(2);
    expect(concat(w.readFrom(0)).toString()).toBe('ab');
  });

  for (const seed of [1, 2, 3, 42, 1234, 99991]) {
    it(`matches a reference array with random chunks and offsets (seed ${seed})`, () => {
      const rnd = prng(seed);
      const capacity = 1 + Math.floor(rnd() * 300);
      const w = new ReplayWindow(capacity);
      const all: number[] = [];
      for (let step = 0; step < 2000; step++) {
        // mostly small chunks, sometimes empty, sometimes bigger than the window
        const r = rnd();
        const len = r < 0.05 ? 0 : r < 0.1 ? capacity + Math.floor(rnd() * 50) : Math.floor(rnd() * 40);
        const chunk = Buffer.alloc(len);
        for (let i = 0; i < len; i++) chunk[i] = Math.floor(rnd() * 256);
        w.push(chunk);
        for (const b of chunk) all.push(b);

        expect(w.end).toBe(all.length);
        expect(w.start).toBe(Math.max(0, all.length - capacity));
        expect(w.size).toBe(w.end - w.start);

        for (let probe = 0; probe < 3; probe++) {
          const offset = Math.floor(rnd() * (all.length + 5)) - 2;
          const inside = offset >= w.start && offset <= w.end;
          expect(w.canReplayFrom(offset)).toBe(inside);
          if (inside) {
            const got = concat(w.readFrom(offset));
            expect(got.equals(Buffer.from(all.slice(offset)))).toBe(true);
          } else {
            expect(() => w.readFrom(offset)).toThrow(RangeError);
          }
        }
      }
    });
  }

  it('holds no more memory than its capacity (rounded up to a 1 MiB segment), and only as it fills', () => {
    const w = new ReplayWindow(3 * 1024 * 1024 + 1);
    w.push(Buffer.alloc(1000));
    expect(w.allocated).toBe(1024 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < 2_000; i++) w.push(chunk);
    expect(w.allocated).toBe(4 * 1024 * 1024);
    expect(new ReplayWindow(1000).allocated).toBe(0);
    const small = new ReplayWindow(1000);
    small.push(Buffer.alloc(5000));
    expect(small.allocated).toBe(1000);
  });
});
