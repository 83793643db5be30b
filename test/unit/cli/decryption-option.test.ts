import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addDecryptionOptions,
  requireDecryption,
  resolveDecryption,
  type DecryptionOptions,
} from '../../../src/cli/decryption-option.ts';
import type { CliContext } from '../../../src/cli/context.ts';
import { Redactor } from '../../../src/logging/index.ts';
import { generateX25519Identity } from '../../../src/pipeline/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'decrypt-opt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(env: NodeJS.ProcessEnv): { ctx: CliContext; warnings: string[]; redactor: Redactor } {
  const warnings: string[] = [];
  const redactor = new Redactor();
  const log = {
    error: () => {},
    warn: (m: string) => void warnings.push(m),
    info: () => {},
    debug: () => {},
    close: () => Promise.resolve(),
  };
  return { ctx: { env, log, redactor } as unknown as CliContext, warnings, redactor };
}

function parse(args: string[]): DecryptionOptions {
  const cmd = addDecryptionOptions(new Command().exitOverride());
  cmd.parse(['node', 'x', ...args]);
  return cmd.opts<DecryptionOptions>();
}

describe('--identity / --passphrase-file', () => {
  const a = generateX25519Identity();
  const b = generateX25519Identity();
  const keyA = join(dir, 'a.txt');
  const keyB = join(dir, 'b.txt');
  writeFileSync(keyA, `# a\n${a.identity}\n`, { mode: 0o600 });
  writeFileSync(keyB, `${b.identity}\n`, { mode: 0o644 });

  it('reads every --identity file (repeatable), warning about a readable one', async () => {
    const c = ctx({});
    const keys = await resolveDecryption(parse(['-i', keyA, '--identity', keyB]), c.ctx);
    expect(
      keys !== undefined && 'identities' in keys ? keys.identities.map((i) => i.description) : [],
    ).toEqual([`${keyA}:2`, `${keyB}:1`]);
    expect(c.warnings).toEqual([expect.stringContaining(`secret file ${keyB} is readable by every user`)]);
  });

  it('falls back to FTPS_BACKUP_IDENTITY; nothing given is undefined, and requireDecryption says how', async () => {
    const keys = await resolveDecryption(parse([]), ctx({ FTPS_BACKUP_IDENTITY: keyA }).ctx);
    expect(keys !== undefined && 'identities' in keys ? keys.identities.length : 0).toBe(1);
    const none = await resolveDecryption(parse([]), ctx({}).ctx);
    expect(none).toBeUndefined();
    expect(() => requireDecryption(none, 'set 20260101T000000Z')).toThrow(
      /set 20260101T000000Z is encrypted with age: give its identity file with --identity <file> \(or \$FTPS_BACKUP_IDENTITY\)/,
    );
  });

  it('reads the passphrase from a file or FTPS_BACKUP_PASSPHRASE and registers it for redaction', async () => {
    const file = join(dir, 'pass');
    writeFileSync(file, 'file pass phrase\n', { mode: 0o600 });
    const c = ctx({});
    expect(await resolveDecryption(parse(['--passphrase-file', file]), c.ctx)).toEqual({
      passphrase: 'file pass phrase',
    });
    expect(c.redactor.redact('x file pass phrase y')).toBe('x **** y');
    const e = ctx({ FTPS_BACKUP_PASSPHRASE: 'env phrase' });
    expect(await resolveDecryption(parse([]), e.ctx)).toEqual({ passphrase: 'env phrase' });
    expect(e.redactor.redact('env phrase')).toBe('****');
  });

  it('refuses both at once, and names a broken identity file without showing it', async () => {
    await expect(
      resolveDecryption(parse(['-i', keyA]), ctx({ FTPS_BACKUP_PASSPHRASE: 'p' }).ctx),
    ).rejects.toThrow(/either an identity \(--identity\) or a passphrase, not both/);
    const broken = join(dir, 'broken.txt');
    writeFileSync(broken, `${a.identity.slice(0, -3)}\n`, { mode: 0o600 });
    const err = (await resolveDecryption(parse(['-i', broken]), ctx({}).ctx).catch(
      (e: unknown) => e,
    )) as Error;
    expect(err.message).toMatch(new RegExp(`^${broken}:1: not an age identity: `));
    expect(err.message).not.toContain(a.identity.slice(20, 40));
  });
});
