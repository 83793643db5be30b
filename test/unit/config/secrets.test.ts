import { describe, expect, it } from 'vitest';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describeSecretRef, resolveSecret, SecretError } from '../../../src/config/index.ts';
import { withFiles } from './helpers.ts';

const VALUE = 'pa55-w0rd-value';

/** A credential reference as loadConfig returns it: with the configuration's credentialsDir. */
function withFolder<T extends object>(ref: T, folder: string): T {
  return Object.defineProperty(ref, 'credentialsDir', { value: folder, enumerable: false });
}

async function rejection(p: Promise<unknown>): Promise<SecretError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).not.toContain(VALUE);
    return err as SecretError;
  }
  throw new Error('expected the secret to be refused');
}

describe('resolveSecret', () => {
  it('reads an environment variable', async () => {
    expect(await resolveSecret({ env: 'FTPS_PASSWORD' }, { env: { FTPS_PASSWORD: VALUE } })).toBe(VALUE);
  });

  it('names a missing or empty environment variable', async () => {
    const missing = await rejection(resolveSecret({ env: 'FTPS_PASSWORD' }, { env: { OTHER: VALUE } }));
    expect(missing.message).toBe('environment variable FTPS_PASSWORD is not set');
    const empty = await rejection(resolveSecret({ env: 'FTPS_PASSWORD' }, { env: { FTPS_PASSWORD: '' } }));
    expect(empty.message).toBe('environment variable FTPS_PASSWORD is empty');
  });

  it('reads a file, dropping exactly one trailing newline', async () => {
    await withFiles(
      { lf: `${VALUE}\n`, crlf: `${VALUE}\r\n`, two: `${VALUE}\n\n`, none: VALUE, spaces: ` ${VALUE} \n` },
      async (dir) => {
        const read = async (name: string) => {
          await chmod(join(dir, name), 0o600);
          return resolveSecret({ file: join(dir, name) }, { env: {} });
        };
        expect(await read('lf')).toBe(VALUE);
        expect(await read('crlf')).toBe(VALUE);
        expect(await read('two')).toBe(`${VALUE}\n`);
        expect(await read('none')).toBe(VALUE);
        expect(await read('spaces')).toBe(` ${VALUE} `);
      },
    );
  });

  it('names the path of a missing, empty or unreadable file', async () => {
    await withFiles({ empty: '\n' }, async (dir) => {
      const missing = await rejection(resolveSecret({ file: join(dir, 'nope') }, { env: {} }));
      expect(missing.message).toBe(`cannot read the secret file (${join(dir, 'nope')}): it does not exist`);
      const empty = await rejection(resolveSecret({ file: join(dir, 'empty') }, { env: {} }));
      expect(empty.message).toBe(`the secret file (${join(dir, 'empty')}) is empty`);
      await mkdir(join(dir, 'folder'));
      const folder = await rejection(resolveSecret({ file: join(dir, 'folder') }, { env: {} }));
      expect(folder.message).toBe(`cannot read the secret file (${join(dir, 'folder')}): it is a folder`);
      expect(folder.cause).toBeDefined();
    });
  });

  it('warns about a secret file that group or others may read, without its value', async () => {
    await withFiles({ world: VALUE, group: VALUE, private: VALUE }, async (dir) => {
      await chmod(join(dir, 'world'), 0o644);
      await chmod(join(dir, 'group'), 0o640);
      await chmod(join(dir, 'private'), 0o600);
      const warnings: string[] = [];
      const onWarning = (w: string) => warnings.push(w);
      for (const name of ['world', 'group', 'private']) {
        expect(await resolveSecret({ file: join(dir, name) }, { env: {}, onWarning })).toBe(VALUE);
      }
      expect(warnings).toEqual([
        `secret file ${join(dir, 'world')} is readable by every user (mode 644): chmod 600 it`,
        `secret file ${join(dir, 'group')} is readable by its group (mode 640): chmod 600 it unless the group is dedicated to ftps-backup`,
      ]);
    });
  });

  it('reads a systemd credential from $CREDENTIALS_DIRECTORY', async () => {
    await withFiles({ 'creds/ftps': `${VALUE}\n` }, async (dir) => {
      const env = { CREDENTIALS_DIRECTORY: join(dir, 'creds') };
      expect(await resolveSecret({ credential: 'ftps' }, { env })).toBe(VALUE);
      const missing = await rejection(resolveSecret({ credential: 'mysql' }, { env }));
      expect(missing.message).toBe(
        `cannot read the systemd credential mysql (${join(dir, 'creds', 'mysql')}): it does not exist`,
      );
    });
  });

  it('without CREDENTIALS_DIRECTORY reads credentialsDir/name, and names both places when neither has it', async () => {
    await withFiles({ 'creds/ftps': `${VALUE}\n` }, async (dir) => {
      const folder = join(dir, 'creds');
      await chmod(join(folder, 'ftps'), 0o600);
      const ref = (credential: string) => withFolder({ credential }, folder);
      const warnings: string[] = [];
      const env = { FTPS_PASSWORD: 'other' };
      expect(await resolveSecret(ref('ftps'), { env, onWarning: (m) => warnings.push(m) })).toBe(VALUE);
      expect(warnings).toEqual([]);
      // systemd's folder wins when it is set, even if credentialsDir has the file
      const systemd = await rejection(
        resolveSecret(ref('ftps'), { env: { CREDENTIALS_DIRECTORY: join(dir, 'none') } }),
      );
      expect(systemd.message).toMatch(/cannot read the systemd credential ftps .*none\/ftps/);
      const err = await rejection(resolveSecret(ref('mysql'), { env }));
      expect(err.message).toBe(
        `credential mysql is not available: not under systemd ($CREDENTIALS_DIRECTORY is not set, for a service with LoadCredential=mysql:/path/to/file) and no file ${join(folder, 'mysql')} (credentialsDir)`,
      );
      // a credential file others may read is used, with the same warning as a { file } secret
      await chmod(join(folder, 'ftps'), 0o644);
      await resolveSecret(ref('ftps'), { env, onWarning: (m) => warnings.push(m) });
      expect(warnings).toEqual([expect.stringMatching(/readable by every user \(mode 644\): chmod 600/)]);
    });
  });

  it('falls back to /etc/ftps-backup/credentials for a reference loadConfig did not see', async () => {
    const err = await rejection(resolveSecret({ credential: 'no-such-credential' }, { env: {} }));
    expect(err.message).toMatch(
      /no file \/etc\/ftps-backup\/credentials\/no-such-credential \(credentialsDir\)$/,
    );
  });

  it('describes a reference without resolving it', () => {
    expect(describeSecretRef({ env: 'A' })).toBe('environment variable A');
    expect(describeSecretRef({ file: '/etc/x' })).toBe('file /etc/x');
    expect(describeSecretRef({ credential: 'c' })).toBe('credential c');
  });
});
