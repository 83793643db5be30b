/** The command source's spawn, built as data and compared by equality; its verdict on a real /bin/sh. */
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { commandSpawn, createCommandSource } from '../../../src/sources/index.ts';

describe('command source', () => {
  it('spawns the argv without a shell, with the minimal environment plus the named variables', () => {
    const from = { PATH: '/usr/bin', HOME: '/root', FTPS_PASSWORD: 'agent-secret', NODE_OPTIONS: '-r x' };
    expect(
      commandSpawn({
        label: 'redis',
        command: ['redis-cli', '--rdb', '-'],
        env: { REDISCLI_AUTH: 'r3dis' },
        from,
      }),
    ).toEqual({
      file: 'redis-cli',
      args: ['--rdb', '-'],
      env: { PATH: '/usr/bin', HOME: '/root', REDISCLI_AUTH: 'r3dis' },
    });
  });

  it('streams stdout and counts it; a non-zero exit rejects with the end of stderr', async () => {
    const ok = createCommandSource({
      label: 'x',
      command: ['/bin/sh', '-c', 'printf "%s" "$TOKEN"; printf "\\n"'],
      env: { TOKEN: 'abc' },
    }).open();
    expect(await text(ok.stream)).toBe('abc\n');
    expect(await ok.done).toEqual({
      kind: 'command',
      label: 'x',
      program: '/bin/sh',
      bytes: 4,
      warnings: [],
    });

    const bad = createCommandSource({
      label: 'x',
      command: ['/bin/sh', '-c', 'echo partial; echo "no such key" >&2; exit 3'],
      env: {},
    }).open();
    await text(bad.stream).catch(() => '');
    await expect(bad.done).rejects.toThrow('command x: /bin/sh exited with status 3: no such key');
  });
});
