/** One contract for every RemoteStore: the local folder and FTPS (ProFTPD, vsftpd) pass the same tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/storage/local.ts';
import { ftpsStoreFactory } from '../../src/storage/ftps.ts';
import type { RemoteStore } from '../../src/storage/types.ts';
import { useFtpServer } from '../harness/vitest.ts';
import { clientOptions } from '../support/ftp-client.ts';

const localDir = mkdtempSync(join(tmpdir(), 'store-contract-'));
afterAll(() => rmSync(localDir, { recursive: true, force: true }));

const source = (data: Buffer) => ({ open: (o: number) => Readable.from([data.subarray(o)]) });

async function getAll(store: RemoteStore, path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await store.get(
    path,
    new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

/** `hashes`: the algorithm the store's hash() uses, or undefined when it has none (vsftpd). */
function contract(name: string, open: () => Promise<RemoteStore>, hashes: string | undefined): void {
  describe(`RemoteStore contract: ${name}`, () => {
    it('lists a missing folder as empty, creates folders recursively (twice is fine)', async () => {
      const s = await open();
      try {
        expect(await s.list('/c1/none')).toEqual([]);
        await s.mkdirp('/c1/a/b');
        await s.mkdirp('/c1/a/b');
        expect((await s.list('/c1/a')).map((e) => [e.name, e.type])).toEqual([['b', 'dir']]);
      } finally {
        await s.close();
      }
    });

    it('puts, verifies, sizes, lists and gets an object byte for byte', async () => {
      const s = await open();
      try {
        const data = Buffer.concat([Buffer.from('héllo 😀\n'), Buffer.alloc(300_000, 7)]);
        await s.mkdirp('/c2');
        const r = await s.put('/c2/obj.bin.partial', source(data));
        expect(r.bytes).toBe(data.length);
        expect(r.sha256).toBe(createHash('sha256').update(data).digest('hex'));
        expect(r.verified).not.toBe('');
        expect(await s.size('/c2/obj.bin.partial')).toBe(data.length);
        expect(await s.size('/c2/missing.bin')).toBeUndefined();
        expect((await getAll(s, '/c2/obj.bin.partial')).equals(data)).toBe(true);
        expect(await s.list('/c2')).toEqual([
          expect.objectContaining({ name: 'obj.bin.partial', type: 'file', size: data.length }),
        ]);
      } finally {
        await s.close();
      }
    });

    it(`hashes an object without downloading it: ${hashes ?? 'no hash on this store'}`, async () => {
      const s = await open();
      try {
        const data = Buffer.concat([Buffer.alloc(200_000, 3), Buffer.from('end')]);
        await s.mkdirp('/c4');
        await s.put('/c4/h.bin', source(data));
        const h = await s.hash('/c4/h.bin');
        if (hashes === undefined) expect(h).toBeUndefined();
        else expect(h).toEqual({ algorithm: hashes, hex: createHash('sha256').update(data).digest('hex') });
      } finally {
        await s.close();
      }
    });

    it('renames over an existing object, removes files and whole trees', async () => {
      const s = await open();
      try {
        await s.mkdirp('/c3/sub');
        await s.put('/c3/a.partial', source(Buffer.from('new')));
        await s.put('/c3/a', source(Buffer.from('old content')));
        await s.rename('/c3/a.partial', '/c3/a');
        expect((await getAll(s, '/c3/a')).toString()).toBe('new');
        expect((await s.list('/c3')).map((e) => e.name).sort()).toEqual(['a', 'sub']);
        await s.remove('/c3/a');
        expect((await s.list('/c3')).map((e) => e.name)).toEqual(['sub']);
        await s.put('/c3/sub/x', source(Buffer.from('x')));
        await s.removeTree('/c3');
        expect(await s.list('/c3')).toEqual([]);
      } finally {
        await s.close();
      }
    });
  });
}

contract('local folder', () => Promise.resolve(new LocalStore(localDir)), 'SHA-256');
const proftpd = useFtpServer('proftpd', 'a');
contract('FTPS on ProFTPD', () => ftpsStoreFactory(clientOptions(proftpd())).open(), 'SHA-256');
const vsftpd = useFtpServer('vsftpd');
contract('FTPS on vsftpd', () => ftpsStoreFactory(clientOptions(vsftpd())).open(), undefined);
