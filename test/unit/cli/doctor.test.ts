import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  formatStep,
  suggestDestinationYaml,
  summaryLine,
  type Suggestion,
} from '../../../src/cli/commands/doctor.ts';
import { destinationSchema } from '../../../src/config/index.ts';

const FP = Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(
  ':',
);

const base: Suggestion = {
  name: 'backup-server',
  host: 'ftp.example.org',
  port: 21,
  tls: 'explicit',
  user: 'blog',
  password: { env: 'FTPS_PASSWORD' },
  root: '/backups',
};

/** The snippet must be a valid destination as written: the schema decides. */
function destinationOf(yaml: string, name: string): Record<string, unknown> {
  const doc = parse(yaml) as { destinations: Record<string, unknown> };
  const dest = doc.destinations[name];
  const checked = destinationSchema.safeParse(dest);
  expect(checked.error).toBeUndefined();
  return dest as Record<string, unknown>;
}

describe('suggestDestinationYaml', () => {
  it('writes a valid destination with the password as a reference, never a value', () => {
    const yaml = suggestDestinationYaml(base);
    expect(yaml).toContain('    password: { env: FTPS_PASSWORD }\n');
    expect(destinationOf(yaml, 'backup-server')).toEqual({
      type: 'ftps',
      host: 'ftp.example.org',
      port: 21,
      tls: 'explicit',
      user: 'blog',
      password: { env: 'FTPS_PASSWORD' },
      root: '/backups',
    });
  });

  it('adds the pin line for a certificate that is not publicly trusted, with a warning when nothing vouched for it', () => {
    const yaml = suggestDestinationYaml({
      ...base,
      fingerprint: FP,
      unverifiedPin: true,
      tlsMaxVersion: '1.2',
    });
    expect(yaml).toContain(`    fingerprint: "sha256:${FP}"\n`);
    expect(yaml).toMatch(/# pin only after checking this fingerprint/);
    const dest = destinationOf(yaml, 'backup-server');
    expect(dest.fingerprint).toBe(`sha256:${FP}`);
    expect(dest.tlsMaxVersion).toBe('1.2');
    expect(suggestDestinationYaml({ ...base, fingerprint: FP })).not.toMatch(/#/);
  });

  it('keeps a CA file, file/credential references, implicit TLS, and quotes what YAML would misread', () => {
    const yaml = suggestDestinationYaml({
      ...base,
      name: '10.0.0.1',
      host: '10.0.0.1',
      port: 990,
      tls: 'implicit',
      user: 'yes',
      password: { file: '/etc/ftps-backup/ftps.pass' },
      root: '/a folder/with: colon',
      ca: '/etc/ssl/my ca.pem',
    });
    expect(destinationOf(yaml, '10.0.0.1')).toMatchObject({
      tls: 'implicit',
      port: 990,
      user: 'yes',
      password: { file: '/etc/ftps-backup/ftps.pass' },
      root: '/a folder/with: colon',
      ca: '/etc/ssl/my ca.pem',
    });
    const cred = suggestDestinationYaml({ ...base, password: { credential: 'ftps' } });
    expect(destinationOf(cred, 'backup-server').password).toEqual({ credential: 'ftps' });
  });
});

describe('formatStep and summaryLine', () => {
  it('marks each outcome and indents hints under failures and warnings only', () => {
    expect(formatStep({ id: 'a', ok: true, title: 'login', detail: 'ok', hint: 'ignored' })).toBe(
      '✓ login: ok\n',
    );
    expect(formatStep({ id: 'b', ok: 'skip', title: 'hash', detail: 'none' })).toBe('- hash: none\n');
    expect(formatStep({ id: 'c', ok: false, title: 'login', detail: '530', hint: 'Likely:\n  - x' })).toBe(
      '✗ login: 530\n    → Likely:\n      - x\n',
    );
    expect(formatStep({ id: 'd', ok: 'warn', title: 'PASV', detail: 'private', hint: 'fix it' })).toBe(
      '! PASV: private\n    → fix it\n',
    );
  });

  it('counts outcomes and says why the diagnosis stopped', () => {
    const steps = [
      { id: 'a', ok: true, title: 'a', detail: '' },
      { id: 'b', ok: 'warn', title: 'b', detail: '' },
      { id: 'c', ok: false, title: 'c', detail: '' },
    ] as const;
    expect(
      summaryLine({
        steps: [...steps],
        facts: { addresses: [], loggedIn: false, features: [] },
        ok: false,
        stoppedBecause: 'login failed',
      }),
    ).toBe(
      'Summary: 1 ✓, 1 warning, 1 ✗. Fix the ✗ steps above and run doctor again.\nStopped early: login failed.',
    );
    expect(
      summaryLine({ steps: [steps[0]], facts: { addresses: [], loggedIn: true, features: [] }, ok: true }),
    ).toBe('Summary: 1 ✓, 0 warnings, 0 ✗. ftps-backup can back up to this destination.');
  });
});
