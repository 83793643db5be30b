import { describe, expect, it } from 'vitest';
import { summarize, type VitestJsonReport } from '../../../scripts/test-summary.ts';

const cwd = '/repo';
const file = (
  name: string,
  tests: Array<[string, string]>,
  extra: { status?: string; message?: string } = {},
): NonNullable<VitestJsonReport['testResults']>[number] => ({
  name: `${cwd}/${name}`,
  status: extra.status ?? (tests.some(([, s]) => s === 'failed') ? 'failed' : 'passed'),
  ...(extra.message !== undefined ? { message: extra.message } : {}),
  assertionResults: tests.map(([title, status]) => ({
    fullName: title,
    title,
    status,
    failureMessages: status === 'failed' ? [`AssertionError: ${title} broke\n    at stack`] : [],
  })),
});

describe('summarize (scripts/test-summary.ts)', () => {
  it('passes a clean run and ends with the counts line', () => {
    const s = summarize(
      {
        success: true,
        testResults: [
          file('test/unit/a.test.ts', [
            ['adds', 'passed'],
            ['later', 'todo'],
          ]),
          file('test/integration/b.test.ts', [['uploads', 'passed']]),
        ],
      },
      cwd,
    );
    expect(s.ok).toBe(true);
    expect(s.lines).toEqual(['2 passed, 0 failed, 1 skipped']);
  });

  it('fails on a skipped integration test and names it', () => {
    const s = summarize(
      { success: true, testResults: [file('test/integration/vsftpd.test.ts', [['uploads', 'skipped']])] },
      cwd,
    );
    expect(s.ok).toBe(false);
    expect(s.skippedIntegration).toEqual(['test/integration/vsftpd.test.ts > uploads']);
    expect(s.lines.at(-1)).toBe('0 passed, 0 failed, 1 skipped');
  });

  it('counts failed tests with the first line of their error', () => {
    const s = summarize(
      {
        success: false,
        testResults: [
          file('test/unit/a.test.ts', [
            ['adds', 'passed'],
            ['subtracts', 'failed'],
          ]),
        ],
      },
      cwd,
    );
    expect(s.ok).toBe(false);
    expect(s.failures).toEqual(['test/unit/a.test.ts > subtracts\n    AssertionError: subtracts broke']);
    expect(s.lines.at(-1)).toBe('1 passed, 1 failed, 0 skipped');
  });

  it('counts a file that failed outside its tests (failing beforeAll, import error)', () => {
    const s = summarize(
      {
        success: false,
        testResults: [
          file('test/integration/c.test.ts', [['moves data', 'skipped']], {
            status: 'failed',
            message: 'Error: proftpd exited during startup\nlog tail',
          }),
        ],
      },
      cwd,
    );
    expect(s.ok).toBe(false);
    expect(s.failures).toEqual([
      'test/integration/c.test.ts (file)\n    Error: proftpd exited during startup',
    ]);
    expect(s.lines.at(-1)).toBe('0 passed, 1 failed, 1 skipped');
  });

  it('explains a failed file that came without a message', () => {
    const s = summarize(
      {
        success: false,
        testResults: [
          file('test/integration/d.test.ts', [['x', 'skipped']], { status: 'failed', message: '' }),
        ],
      },
      cwd,
    );
    expect(s.failures).toEqual([
      'test/integration/d.test.ts (file)\n    failed outside any test (no message in the report; see the vitest output)',
    ]);
  });

  it('fails an empty run and a run vitest itself called unsuccessful', () => {
    expect(summarize({ success: true, testResults: [] }, cwd).ok).toBe(false);
    const odd = summarize(
      { success: false, testResults: [file('test/unit/a.test.ts', [['x', 'passed']])] },
      cwd,
    );
    expect(odd.ok).toBe(false);
    expect(odd.lines.at(-1)).toBe('1 passed, 0 failed, 0 skipped');
  });
});
