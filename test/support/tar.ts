/** Hand-made tar archives (tar-stream's pack) for restore tests: entries with a body are files. */
import { pack, type Header } from 'tar-stream';

export type TarEntry = Partial<Header> & { name: string; body?: string };

export async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((res) => p.on('end', () => res()));
  for (const { body, ...header } of entries) {
    if (body !== undefined) p.entry({ type: 'file', mode: 0o644, ...header }, body);
    else p.entry({ mode: header.type === 'symlink' ? 0o777 : 0o755, ...header });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
