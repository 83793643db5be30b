/** The big round trip every server must pass: upload BIG bytes, check them on the server's disk, download and check again. */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { FtpsClient } from '../../src/ftp/index.ts';
import type { FtpServerInfo } from '../harness/index.ts';
import { patternSha256, patternSource, sha256OfFile } from './pattern.ts';

export async function bigRoundTrip(
  client: FtpsClient,
  info: FtpServerInfo,
  name: string,
  size: number,
  seed = name,
): Promise<void> {
  const expected = await patternSha256(seed, size);
  const up = await client.upload(name, patternSource(seed, size));
  expect(up.bytes).toBe(size);
  expect(up.sha256).toBe(expected.sha256);
  const onDisk = await sha256OfFile(join(info.home, name));
  expect(onDisk).toEqual(expected);
  const h = createHash('sha256');
  let got = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      got += chunk.length;
      cb();
    },
  });
  const n = await client.download(name, sink);
  expect(n).toBe(size);
  expect(got).toBe(size);
  expect(h.digest('hex')).toBe(expected.sha256);
}
