/** Pure-FTPd 1.0.50 with PureDB virtual users and TLS required (-Y 2). */
import { describe, expect, it } from 'vitest';
import { FtpLoginError } from '../../src/ftp/index.ts';
import { useFtpServer } from '../harness/vitest.ts';
import { connectTo } from '../support/ftp-client.ts';
import { BIG, patternSource } from '../support/pattern.ts';
import { bigRoundTrip } from '../support/round-trip.ts';

const server = useFtpServer('pure-ftpd');

describe('Pure-FTPd: PureDB virtual users, TLS required', () => {
  it('moves 1 GB both ways byte for byte', async () => {
    const client = await connectTo(server());
    await bigRoundTrip(client, server(), 'pure-big.bin', BIG);
    await client.close();
  });

  it('lists with MLSD and removes a tree', async () => {
    const client = await connectTo(server());
    await client.mkdirp('/a/b');
    await client.upload('/a/b/x.bin', patternSource('pure-x', 777));
    expect((await client.list('/a/b')).map((e) => [e.name, e.size])).toEqual([['x.bin', 777]]);
    await client.removeTree('/a');
    expect(await client.list('/')).not.toContainEqual(expect.objectContaining({ name: 'a' }));
    await client.close();
  });

  it('explains a 530 for an unknown PureDB user', async () => {
    const err = await connectTo(server(), { user: 'nosuchuser' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FtpLoginError);
    expect((err as Error).message).toContain('PureDB');
  });
});
