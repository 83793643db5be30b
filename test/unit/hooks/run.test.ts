/** The hook runner on real processes (/bin/sh, true, false): exit status, timeout, output, environment. */
import { describe, expect, it } from 'vitest';
import { hookCommands, runHookCommand, runHookPhase, type HookCommand } from '../../../src/hooks/index.ts';
import { HOOK_OUTPUT_LINES } from '../../../src/hooks/run.ts';
import type { Logger } from '../../../src/logging/index.ts';

function recorder(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return {
    log: { error: push('error'), warn: push('warn'), info: push('info'), debug: push('debug') },
    lines,
  };
}

const sh = (script: string, timeoutMs = 30_000): HookCommand => ({
  label: 'before[0]',
  file: '/bin/sh',
  args: ['-c', script],
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FTPS_BACKUP_JOB: 'blog' },
  timeoutMs,
});

describe('runHookCommand', () => {
  it('exit status 0 is success, and the output is logged line by line with control characters made safe', async () => {
    const { log, lines } = recorder();
    const r = await runHookCommand(
      sh('printf "one\\ntwo \\033[31mred\\n"; echo "err $FTPS_BACKUP_JOB" >&2'),
      log,
    );
    expect(r).toBeUndefined();
    expect(lines.sort()).toEqual([
      'info hook before[0] (stderr): err blog',
      'info hook before[0]: one',
      'info hook before[0]: two ?[31mred',
    ]);
  });

  it('a non-zero status, a missing program and a signal are failures with their reason', async () => {
    const { log } = recorder();
    expect(await runHookCommand(sh('exit 3'), log)).toEqual({
      label: 'before[0]',
      reason: 'exited with status 3',
    });
    expect(await runHookCommand(sh('kill -USR1 $$'), log)).toEqual({
      label: 'before[0]',
      reason: 'killed by SIGUSR1',
    });
    const missing = await runHookCommand({ ...sh(''), file: '/nonexistent/hook', args: [] }, log);
    expect(missing?.reason).toMatch(/^cannot run \/nonexistent\/hook: spawn \/nonexistent\/hook ENOENT/);
  });

  it('a command over its timeout is stopped with its whole process group', async () => {
    const { log } = recorder();
    // The shell's child (sleep) would keep the output open if only the shell were killed.
    const r = await runHookCommand(sh('sleep 600 & wait', 300), log);
    expect(r).toEqual({ label: 'before[0]', reason: 'timed out after 0.3 s' });
  });

  it('the child sees only the environment it was given', async () => {
    const { log, lines } = recorder();
    process.env.FTPS_HOOK_TEST_SECRET = 'not-for-children';
    try {
      const [cmd] = hookCommands(
        'before',
        { timeout: 30_000, before: [['/usr/bin/env']], after: [], onError: [], always: [] },
        { job: 'blog', set: 'S' },
        { from: process.env },
      );
      expect(await runHookCommand(cmd!, log)).toBeUndefined();
    } finally {
      delete process.env.FTPS_HOOK_TEST_SECRET;
    }
    const names = lines.map((l) => /^info hook before\[0\]: ([A-Z_0-9]+)=/.exec(l)?.[1]).filter(Boolean);
    expect(names).toContain('FTPS_BACKUP_JOB');
    expect(names).toContain('PATH');
    expect(names).not.toContain('FTPS_HOOK_TEST_SECRET');
    expect(
      names.every(
        (n) =>
          ['PATH', 'HOME', 'TZ', 'FTPS_BACKUP_JOB', 'FTPS_BACKUP_SET'].includes(n!) || /^L(ANG|C_)/.test(n!),
      ),
    ).toBe(true);
  });

  it('logs a bounded number of lines and counts the rest', async () => {
    const { log, lines } = recorder();
    expect(await runHookCommand(sh(`seq 1 ${HOOK_OUTPUT_LINES + 50}`), log)).toBeUndefined();
    expect(lines.filter((l) => /^info hook before\[0\]: \d+$/.test(l))).toHaveLength(HOOK_OUTPUT_LINES);
    expect(lines).toContain('info hook before[0]: 50 more line(s) of output not logged');
  });

  it('a cancelled run stops the command', async () => {
    const { log } = recorder();
    const abort = new AbortController();
    const running = runHookCommand(
      sh('echo started; sleep 600'),
      { ...log, info: (m) => m.endsWith('started') && abort.abort() },
      abort.signal,
    );
    expect(await running).toEqual({ label: 'before[0]', reason: 'stopped: the run was cancelled' });
  });
});

describe('runHookPhase', () => {
  it('before stops at the first failure; the other phases run every command', async () => {
    const cmds = [sh('exit 1'), { ...sh('echo second'), label: 'before[1]' }];
    const a = recorder();
    expect(await runHookPhase('before', cmds, a.log, { stopAtFailure: true })).toEqual([
      { label: 'before[0]', reason: 'exited with status 1' },
    ]);
    expect(a.lines).not.toContain('info hook before[1]: second');
    expect(a.lines).toContain('warn hook before: 1 later command(s) not run');
    const b = recorder();
    expect(await runHookPhase('always', cmds, b.log)).toEqual([
      { label: 'before[0]', reason: 'exited with status 1' },
    ]);
    expect(b.lines).toContain('info hook before[1]: second');
  });
});
