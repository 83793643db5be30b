/**
 * A hostile FTPS server (the scripted in-process server in its hostile modes) against the CLI run as a
 * real process: manifests that are huge, nested 100,000 deep or list 100,000 objects; a download longer
 * than the manifest says; a decompression bomb whose sha256 matches; listings with `..`, `/` and control
 * characters; a server answering 250 to every deletion. Each case ends with a clear error, and the CLI's
 * peak RSS (measured by /usr/bin/time) stays bounded.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serializeManifest, type Manifest, type ManifestObject } from '../../src/domain/index.ts';
import { makeSelfSignedCert } from '../harness/common.ts';
import { isCI } from '../harness/vitest.ts';
import { listLine, startScriptedServer, type Script, type ScriptedServer } from '../fake/scripted-server.ts';
import { runCli } from '../support/cli.ts';

const TIME = '/usr/bin/time';
const SET = '20261122T031500Z';
const SET_PATH = `/backups/site/${SET}`;
/** Peak RSS allowed to the CLI in every case here (a Node process alone takes about 60 MB). */
const MAX_RSS_MB = 200;

const work = mkdtempSync(join(tmpdir(), 'hostile-'));
let cert: { key: string; cert: string; file: string };
let server: ScriptedServer | undefined;

beforeAll(async () => {
  const made = await makeSelfSignedCert(work);
  cert = { key: readFileSync(made.keyFile, 'utf8'), cert: made.pem, file: made.certFile };
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(async () => {
  await server?.close();
  server = undefined;
});

if (!existsSync(TIME)) {
  if (isCI()) throw new Error(`${TIME} is missing in CI: apt-get install time`);
  process.stderr.write(`\n!!! SKIP peak-RSS assertions: ${TIME} is missing (apt-get install time)\n\n`);
}

let configs = 0;
/** A config with one job `site` on the scripted server (password "secret" from the environment). */
function writeConfig(port: number): string {
  const dir = join(work, `cfg-${++configs}`);
  mkdirSync(join(dir, 'site'), { recursive: true });
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    [
      'destinations:',
      '  hostile:',
      '    type: ftps',
      '    host: 127.0.0.1',
      `    port: ${port}`,
      '    user: tester',
      '    password: { env: TEST_FTPS_PASSWORD }',
      `    ca: ${JSON.stringify(cert.file)}`,
      '    root: /backups',
      'defaults:',
      '  retry: { attempts: 2, initialDelay: 1s, maxDelay: 1s }',
      'jobs:',
      '  - name: site',
      '    destination: hostile',
      '    sources:',
      '      - type: directory',
      '        label: site',
      `        path: ${JSON.stringify(join(dir, 'site'))}`,
      '    retention: { keepLast: 1 }',
      `state: { dir: ${JSON.stringify(join(dir, 'state'))} }`,
      '',
    ].join('\n'),
  );
  return file;
}

/** Listings of a job folder holding one set with these files. */
function setListing(files: Record<string, number>): (path: string) => string | undefined {
  return (path) => {
    if (path === '/backups/site') return listLine('d', SET);
    if (path === SET_PATH)
      return Object.entries(files)
        .map(([n, size]) => listLine('-', n, size))
        .join('');
    return undefined;
  };
}

interface Measured {
  code: number | null;
  output: string;
  /** Peak resident set size in MB, or undefined without /usr/bin/time. */
  peakMb: number | undefined;
}

let measured = 0;
/** Runs the CLI from the sources as a child process, its peak RSS measured by /usr/bin/time. */
function runMeasured(args: string[]): Promise<Measured> {
  const entry = new URL('../support/cli-entry.ts', import.meta.url).pathname;
  const rssFile = join(work, `rss-${++measured}`);
  const command = existsSync(TIME)
    ? [TIME, '-f', '%M', '-o', rssFile, process.execPath, entry, ...args]
    : [process.execPath, entry, ...args];
  const child = spawn(command[0]!, command.slice(1), {
    env: { PATH: process.env.PATH, TEST_FTPS_PASSWORD: 'secret' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const peakMb = existsSync(rssFile)
        ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024
        : undefined;
      resolve({ code, output, peakMb });
    });
  });
}

function expectBounded(run: Measured): void {
  if (run.peakMb !== undefined) expect(run.peakMb, run.output).toBeLessThan(MAX_RSS_MB);
}

/** `total` bytes in chunks of `chunk`, made lazily (never all in memory). */
function* repeat(head: Buffer, body: Buffer, total: number): Generator<Buffer> {
  yield head;
  for (let sent = head.length; sent < total; sent += body.length) yield body;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function manifestWith(objects: ManifestObject[]): Buffer {
  const m: Manifest = {
    version: 1,
    job: 'site',
    host: 'web1',
    setName: SET,
    startedAt: '2026-11-22T03:15:00.000Z',
    finishedAt: '2026-11-22T03:16:00.000Z',
    toolVersion: '0.1.0',
    objects,
    warnings: [],
  };
  return Buffer.from(serializeManifest(m));
}

const object = (i: number): ManifestObject => ({
  name: `db-d${i}.sql.zst`,
  size: 1,
  sha256: 'a'.repeat(64),
  compression: 'zstd',
  encrypted: false,
  source: { kind: 'mysql', database: `d${i}`, tables: 1 },
});

async function hostile(script: Script): Promise<string> {
  server = await startScriptedServer(cert, script);
  return writeConfig(server.port);
}

describe('manifests from a hostile server', () => {
  it('a 1 GiB manifest: verify stops at 16 MiB and says so', async () => {
    const cfg = await hostile({
      listing: setListing({ 'manifest.json': 1 << 30 }),
      retrieve: (path) =>
        path === `${SET_PATH}/manifest.json`
          ? repeat(Buffer.from('{"version":1,"job":"'), Buffer.alloc(1 << 20, 'x'), 1 << 30)
          : undefined,
    });
    const run = await runMeasured(['verify', 'site', SET, '-c', cfg]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(
      `invalid manifest.json of set ${SET_PATH}: the document is larger than 16 MiB: refusing it`,
    );
    expectBounded(run);
  });

  it('a manifest nested 100,000 deep: restore refuses it before parsing', async () => {
    const deep = Buffer.from(`{"version":1,"objects":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const cfg = await hostile({
      listing: setListing({ 'manifest.json': deep.length }),
      retrieve: (path) => (path === `${SET_PATH}/manifest.json` ? [deep] : undefined),
    });
    const run = await runMeasured(['restore', 'site', SET, '-c', cfg, '--to', join(work, 'deep-out')]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(
      `invalid manifest.json of set ${SET_PATH}: the document is nested deeper than 32 levels`,
    );
    expect(run.output).not.toMatch(/Maximum call stack|heap/i);
    expectBounded(run);
  });

  it('a valid manifest of 100,000 objects (29 MB): refused by its size', async () => {
    const big = manifestWith(Array.from({ length: 100_000 }, (_, i) => object(i)));
    expect(big.length).toBeGreaterThan(16 * 1024 * 1024);
    const cfg = await hostile({
      listing: setListing({ 'manifest.json': big.length }),
      retrieve: (path) => (path === `${SET_PATH}/manifest.json` ? [big] : undefined),
    });
    const run = await runMeasured(['verify', 'site', SET, '-c', cfg]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`of set ${SET_PATH}: the document is larger than 16 MiB`);
    expectBounded(run);
  });

  it('a compact manifest of 30,000 objects under 16 MiB: refused by its count before parsing', async () => {
    const many = Buffer.from(
      JSON.stringify(
        JSON.parse(manifestWith(Array.from({ length: 30_000 }, (_, i) => object(i))).toString()),
      ),
    );
    expect(many.length).toBeLessThan(16 * 1024 * 1024);
    const cfg = await hostile({
      listing: setListing({ 'manifest.json': many.length }),
      retrieve: (path) => (path === `${SET_PATH}/manifest.json` ? [many] : undefined),
    });
    const run = await runMeasured(['verify', 'site', SET, '-c', cfg]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`of set ${SET_PATH}: the document holds more than 25000 objects and lists`);
    expectBounded(run);
  });
});

describe('objects from a hostile server', () => {
  it('a download longer than the manifest: restore stops at its size and leaves nothing', async () => {
    const declared = 100_000;
    const stored = randomBytes(declared);
    const manifest = manifestWith([
      {
        ...object(1),
        name: 'db-shop.sql.zst',
        size: declared,
        sha256: sha(stored),
        source: { kind: 'mysql', database: 'shop', tables: 1 },
      },
    ]);
    const cfg = await hostile({
      listing: setListing({ 'manifest.json': manifest.length, 'db-shop.sql.zst': declared }),
      retrieve: (path) => {
        if (path === `${SET_PATH}/manifest.json`) return [manifest];
        // endless: the declared bytes, then more for ever (1 MiB at a time)
        if (path === `${SET_PATH}/db-shop.sql.zst`)
          return repeat(stored, randomBytes(1 << 20), Number.MAX_SAFE_INTEGER);
        return undefined;
      },
    });
    const to = join(work, 'long-out');
    const run = await runMeasured(['restore', 'site', SET, '-c', cfg, '--to', to]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(
      `db-shop.sql.zst: cannot be read: ${SET_PATH}/db-shop.sql.zst holds more than the ${declared} bytes expected of it`,
    );
    expect(existsSync(to) ? readdirSync(to) : []).toEqual([]);
    expectBounded(run);
  });

  // 64 MiB of zeros compress to a few KiB; 256 such frames decode to 16 GiB
  const frame = zstdCompressSync(Buffer.alloc(64 << 20));
  const bomb = Buffer.concat(Array.from({ length: 256 }, () => frame));
  const bombObject = (extra: Partial<ManifestObject>): ManifestObject => ({
    ...object(1),
    name: 'db-shop.sql.zst',
    size: bomb.length,
    sha256: sha(bomb),
    source: { kind: 'mysql', database: 'shop', tables: 1 },
    ...extra,
  });
  const bombServer = (manifest: Buffer): Promise<string> =>
    hostile({
      listing: setListing({ 'manifest.json': manifest.length, 'db-shop.sql.zst': bomb.length }),
      retrieve: (path) =>
        path === `${SET_PATH}/manifest.json`
          ? [manifest]
          : path === `${SET_PATH}/db-shop.sql.zst`
            ? [bomb]
            : undefined,
    });

  it('a decompression bomb with a matching sha256: restore stops at the recorded content size', async () => {
    const cfg = await bombServer(manifestWith([bombObject({ contentBytes: 1_000_000 })]));
    const to = join(work, 'bomb-out');
    const run = await runMeasured(['restore', 'site', SET, '-c', cfg, '--to', to]);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(
      'db-shop.sql.zst decodes to more than 1000000 bytes (the content size the manifest records): refusing the rest',
    );
    expect(existsSync(to) ? readdirSync(to) : []).toEqual([]);
    expectBounded(run);
  });

  it('a manifest claiming more content than fits: restore refuses before downloading', async () => {
    const cfg = await bombServer(manifestWith([bombObject({ contentBytes: 2 ** 50 })]));
    const to = join(work, 'full-out');
    const run = await runMeasured(['restore', 'site', SET, '-c', cfg, '--to', to]);
    expect(run.code, run.output).not.toBe(0);
    expect(run.output).toMatch(
      /MiB free, and db-shop\.sql\.zst hold \d+ MiB by the manifest .*: nothing was restored/,
    );
    expect(server!.commands.some((c) => c.startsWith('RETR') && c.endsWith('db-shop.sql.zst'))).toBe(false);
    expectBounded(run);
  });
});

describe('listings from a hostile server', () => {
  const url = (path: string): string => `ftpes://tester@127.0.0.1:${server!.port}${path}`;
  const env = { FTPS_PASSWORD: 'secret' };

  it('rm -r refuses a folder listing "../../etc" (and sends no DELE or RMD), on a server that says 250 to all', async () => {
    await hostile({
      listing: (path) =>
        path === '/x/victimdir'
          ? listLine('-', 'ok.txt') + listLine('d', '../../etc') + listLine('-', 'passwd')
          : undefined,
    });
    const run = await runCli(['rm', '-r', url('/x/victimdir'), '--ca-file', cert.file], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(
      'refusing to remove /x/victimdir: the server lists an entry "../../etc", and it holds a "/"',
    );
    expect(server!.commands.filter((c) => /^(DELE|RMD)/.test(c))).toEqual([]);
  });

  it('rm -r stops a folder that holds itself for ever at 32 levels', async () => {
    await hostile({ listing: (path) => (path.startsWith('/loop') ? listLine('d', 'again') : undefined) });
    const run = await runCli(['rm', '-r', url('/loop'), '--ca-file', cert.file], env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('refusing to remove /loop: it is nested deeper than 32 folders');
    expect(server!.commands.filter((c) => c.startsWith('LIST')).length).toBe(33);
    expect(server!.commands.filter((c) => /^(DELE|RMD)/.test(c))).toEqual([]);
  });

  it('ls escapes control characters in names; prune refuses a listing holding them', async () => {
    const cfg = await hostile({
      listing: (path) =>
        path === '/shown' || path === '/backups/site'
          ? listLine('-', 'evil\u001b[2J\u001b]0;owned\u0007name') + listLine('d', SET)
          : undefined,
    });
    const ls = await runCli(['ls', url('/shown'), '--ca-file', cert.file], env);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('evil\\x1b[2J\\x1b]0;owned\\x07name');
    // eslint-disable-next-line no-control-regex
    expect(ls.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const prune = await runCli(['prune', 'site', '-c', cfg], { TEST_FTPS_PASSWORD: 'secret' });
    expect(prune.code).not.toBe(0);
    expect(prune.stderr).toContain(
      'the server lists an entry "evil\\x1b[2J\\x1b]0;owned\\x07name" in /backups/site, and it holds a control character: refusing the listing',
    );
    expect(prune.stderr).not.toContain('\u001b');
    expect(server!.commands.filter((c) => /^(DELE|RMD)/.test(c))).toEqual([]);
  });
});
