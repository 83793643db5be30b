/**
 * How restore and verify --test-restore get the key of encrypted sets: `--identity <file>` (repeatable;
 * default $FTPS_BACKUP_IDENTITY), or the passphrase from `--passphrase-file <file>` or
 * $FTPS_BACKUP_PASSPHRASE. Passphrases are registered with the redactor; the identity file's contents
 * never reach a message.
 */
import type { Command } from 'commander';
import { resolveSecret, secretFileWarning } from '../config/index.ts';
import { loadIdentities, type DecryptWith } from '../pipeline/index.ts';
import type { CliContext } from './context.ts';
import { UsageError } from './ftp-url.ts';

export const IDENTITY_ENV = 'FTPS_BACKUP_IDENTITY';
export const PASSPHRASE_ENV = 'FTPS_BACKUP_PASSPHRASE';

export interface DecryptionOptions {
  identity?: string[];
  passphraseFile?: string;
}

export function addDecryptionOptions(cmd: Command): Command {
  return cmd
    .option(
      '-i, --identity <file>',
      `age identity file (AGE-SECRET-KEY-1…, from age-keygen) for encrypted sets; repeatable (default: $${IDENTITY_ENV})`,
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--passphrase-file <file>',
      `file holding the passphrase of passphrase-encrypted sets (or $${PASSPHRASE_ENV})`,
    );
}

/**
 * The key material the options and environment give, or undefined when none is given (fine for
 * unencrypted sets; see requireDecryption). Identity files are read and checked here.
 */
export async function resolveDecryption(
  opts: DecryptionOptions,
  ctx: CliContext,
): Promise<DecryptWith | undefined> {
  const files =
    opts.identity !== undefined && opts.identity.length > 0
      ? opts.identity
      : (ctx.env[IDENTITY_ENV] ?? '') !== ''
        ? [ctx.env[IDENTITY_ENV] as string]
        : [];
  const passphraseGiven = opts.passphraseFile !== undefined || (ctx.env[PASSPHRASE_ENV] ?? '') !== '';
  if (files.length > 0 && passphraseGiven) {
    throw new UsageError('give either an identity (--identity) or a passphrase, not both');
  }
  if (files.length > 0) {
    const identities = [];
    for (const file of files) {
      const warning = await secretFileWarning(file);
      if (warning !== undefined) ctx.log.warn(warning);
      try {
        identities.push(...(await loadIdentities(file)));
      } catch (err) {
        throw new UsageError((err as Error).message, { cause: err });
      }
    }
    return { identities };
  }
  if (!passphraseGiven) return undefined;
  const passphrase = await resolveSecret(
    opts.passphraseFile !== undefined ? { file: opts.passphraseFile } : { env: PASSPHRASE_ENV },
    { env: ctx.env, onWarning: (m) => ctx.log.warn(m) },
  );
  ctx.redactor?.add(passphrase);
  return { passphrase };
}

/** The key for a set with encrypted objects; a UsageError saying how to give one when it is missing. */
export function requireDecryption(keys: DecryptWith | undefined, what: string): DecryptWith {
  if (keys !== undefined) return keys;
  throw new UsageError(
    `${what} is encrypted with age: give its identity file with --identity <file> (or $${IDENTITY_ENV}), or its passphrase with --passphrase-file <file> (or $${PASSPHRASE_ENV})`,
  );
}
