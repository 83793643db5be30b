/** doctor's append-only verdict for every combination of what the login could do, on both kinds of destination. */
import { describe, expect, it } from 'vitest';
import { appendOnlyVerdict, type EraseRights } from '../../../src/doctor/index.ts';

const none: EraseRights = { delete: false, rename: false, overwrite: false };
const ERASE = 'whoever takes this host can erase your backups';
const DESTROY = 'whoever takes this host can destroy your backups';

describe('appendOnlyVerdict', () => {
  it.each([
    [
      none,
      false,
      true,
      'append-only: confirmed (DELE and RNFR/RNTO were refused to this login, and STOR/APPE did not replace an existing file)',
    ],
    [
      none,
      true,
      true,
      'append-only: confirmed (DELE and RNFR/RNTO were refused to this login, and STOR/APPE did not replace an existing file)',
    ],
    [{ ...none, delete: true }, false, 'warn', `this login can delete: ${ERASE}`],
    [
      { ...none, delete: true },
      true,
      false,
      `this login can delete: ${ERASE} (the destination says appendOnly: true)`,
    ],
    [
      { delete: true, rename: true, overwrite: true },
      false,
      'warn',
      `this login can delete, rename and overwrite: ${ERASE}`,
    ],
    [
      { ...none, delete: true, overwrite: true },
      true,
      false,
      `this login can delete and overwrite: ${ERASE} (the destination says appendOnly: true)`,
    ],
    [{ ...none, rename: true }, false, 'warn', `this login can rename existing files: ${DESTROY}`],
    [
      { ...none, overwrite: true },
      true,
      false,
      `this login can overwrite existing files: ${DESTROY} (the destination says appendOnly: true)`,
    ],
    [
      { ...none, rename: true, overwrite: true },
      false,
      'warn',
      `this login can rename and overwrite existing files: ${DESTROY}`,
    ],
  ] as const)('%o, appendOnly %s → %s: %s', (rights, appendOnly, ok, detail) => {
    const step = appendOnlyVerdict(rights, appendOnly);
    expect(step.id).toBe('append-only');
    expect(step.ok).toBe(ok);
    expect(step.detail).toBe(detail);
    if (ok === true) expect(step.hint).toBeUndefined();
    else expect(step.hint).toMatch(/Protect your backups from a compromised host/);
  });
});
