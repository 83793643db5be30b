/** A single updating progress line on a TTY (stderr); periodic plain lines otherwise. */
export interface Progress {
  update(bytes: number): void;
  done(message?: string): void;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function createProgress(
  label: string,
  total: number | undefined,
  stream: NodeJS.WriteStream = process.stderr,
  log: (line: string) => void = (l) => stream.write(`${l}\n`),
  intervalMs = stream.isTTY ? 250 : 30_000,
): Progress {
  const started = Date.now();
  let last = 0;
  let current = 0;
  const line = (): string => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = `${formatBytes(current / secs)}/s`;
    const pct = total !== undefined && total > 0 ? ` ${((100 * current) / total).toFixed(1)}%` : '';
    return `${label}: ${formatBytes(current)}${pct} at ${rate}`;
  };
  return {
    update(bytes) {
      current = bytes;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      if (stream.isTTY) stream.write(`\r\x1b[2K${line()}`);
      else log(line());
    },
    done(message) {
      if (stream.isTTY) stream.write('\r\x1b[2K');
      log(message ?? line());
    },
  };
}
