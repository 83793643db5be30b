// Shared smoke checks for the harness's FTP servers (used by harness-*.test.ts): log in over TLS with
// PROT P through curl, move random bytes both ways and compare them on disk, and see a wrong password
// refused. Until the project's own FTPS client exists, this proves each server really works.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeTempRoot, removeTempRoot } from '../harness/common.ts';
import { curlFtp } from '../harness/curl.ts';
import { putFile } from '../harness/files.ts';
import type { FtpServerInfo } from '../harness/index.ts';

export interface SmokeOptions {
  /** Bytes to upload (default 384 KiB); the same file is downloaded back unless downloadSize is set. */
  size?: number;
  /** Download a separate file of this size (seeded on disk with putFile) instead of the upload. */
  downloadSize?: number;
  /** Cap curl's TLS version for the upload (see harness-vsftpd.test.ts for why). */
  uploadTlsMax?: '1.2';
  /** Extra checks after the round trip (e.g. the server's TLS log). */
  afterRoundTrip?: (info: FtpServerInfo) => Promise<void>;
}

export function ftpSmokeTests(getInfo: () => FtpServerInfo, opts: SmokeOptions = {}): void {
  let work = '';
  beforeAll(async () => {
    work = await makeTempRoot('smoke');
  });
  afterAll(async () => {
    if (work !== '') await removeTempRoot(work);
  });

  it('uploads and downloads a file over TLS (PROT P), byte for byte', async () => {
    const info = getInfo();
    const data = randomBytes(opts.size ?? 384 * 1024);
    const local = join(work, `up-${info.kind}-${info.variant}.bin`);
    await writeFile(local, data);

    const up = await curlFtp(info, {
      upload: local,
      remotePath: 'smoke.bin',
      ...(opts.uploadTlsMax ? { tlsMax: opts.uploadTlsMax } : {}),
    });
    expect(up, `curl upload failed; server log:\n${await tail(info.logFile)}`).toEqual({
      code: 0,
      stderr: '',
    });
    const onDisk = await readFile(join(info.home, 'smoke.bin'));
    expect(onDisk.length).toBe(data.length);
    expect(onDisk.equals(data)).toBe(true);

    let expected = data;
    let remote = 'smoke.bin';
    if (opts.downloadSize !== undefined) {
      expected = randomBytes(opts.downloadSize);
      remote = 'seeded.bin';
      await putFile(info, remote, expected);
    }
    const downloaded = join(work, `down-${info.kind}-${info.variant}.bin`);
    const down = await curlFtp(info, { download: downloaded, remotePath: remote });
    expect(down, `curl download failed; server log:\n${await tail(info.logFile)}`).toEqual({
      code: 0,
      stderr: '',
    });
    const back = await readFile(downloaded);
    expect(back.length).toBe(expected.length);
    expect(back.equals(expected)).toBe(true);

    await opts.afterRoundTrip?.(info);
  });

  it('refuses a wrong password (curl exit 67)', async () => {
    const info = getInfo();
    const result = await curlFtp(info, {
      download: join(work, 'never.bin'),
      remotePath: 'smoke.bin',
      password: `${info.password}-wrong`,
    });
    expect(result.code).toBe(67);
    expect(result.stderr).toMatch(/530|denied/i);
  });
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log)');
  return text.split('\n').slice(-40).join('\n');
}
