/**
 * The 20-cut sweep (not in CI): real ProFTPD with AllowStoreRestart (a) and without it (d) behind the
 * fault proxy; each run cuts one connection at a random byte offset — data or control, FIN or RST — and
 * must end byte-exact. Prints each cut and "K/N exact".
 *   FTPS_TEST_SERVERS_DIR=/work/test-servers node test/faults/sweep.ts [N]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProftpd } from '../harness/proftpd.ts';
import { writePatternFile } from '../support/pattern.ts';
import { backupThroughProxy } from './backup-through.ts';
import type { Fault } from './fault-proxy.ts';

const N = Number(process.argv[2] ?? 20);
const work = mkdtempSync(join(tmpdir(), 'fault-sweep-'));
const site = join(work, 'site');
mkdirSync(site);
await writePatternFile(join(site, 'big.bin'), 'sweep', 12_000_000);
const servers = { a: await startProftpd('a'), d: await startProftpd('d') };
let exact = 0;
try {
  for (let i = 1; i <= N; i++) {
    const variant = i % 2 === 0 ? 'd' : 'a';
    const kind = i % 4 === 0 ? 'control' : 'data';
    const fault: Fault = {
      kind,
      nth: 1,
      how: Math.random() < 0.5 ? 'fin' : 'rst',
      afterBytes: Math.floor(
        kind === 'data' ? 200_000 + Math.random() * 11_000_000 : 600 + Math.random() * 1_800,
      ),
    };
    const r = await backupThroughProxy(servers[variant].info, `sweep-${i}`, fault, site, work).catch(
      (err: unknown) => ({
        exact: false,
        lines: [] as string[],
        fired: [] as string[],
        runs: 0,
        error: String(err),
      }),
    );
    if (r.exact) exact++;
    const recovery =
      r.lines
        .filter((l) => /resume at \d+|source re-run|from byte 0|failed \(.*attempt \d+ of/.test(l))
        .at(-1) ?? 'no recovery logged';
    console.log(
      `${i}. proftpd (${variant}) ${kind} ${fault.how} after ${fault.afterBytes}: ${r.exact ? 'exact' : 'NOT exact'}; fired: ${r.fired.join(', ') || 'nothing'}; source runs ${r.runs}; ${recovery}${r.error !== undefined ? `; ${r.error}` : ''}`,
    );
  }
} finally {
  await servers.a.stop();
  await servers.d.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`${exact}/${N} exact`);
