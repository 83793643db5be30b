import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, Redactor } from '../../../src/logging/index.ts';

describe('Redactor', () => {
  it('replaces secrets, their URL-encoded and JSON-escaped forms', () => {
    const r = new Redactor();
    r.add('p@ss "word"');
    expect(r.redact('a p@ss "word" b')).toBe('a **** b');
    expect(r.redact('url p%40ss%20%22word%22')).toBe('url ****');
    expect(r.redact('json p@ss \\"word\\"')).toBe('json ****');
    expect(r.redact('nothing here')).toBe('nothing here');
  });

  it('is applied to every logged line', async () => {
    const r = new Redactor();
    r.add('s3cret-value');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = await createLogger({ level: 'debug', stream: out }, r);
    log.error('login failed with s3cret-value');
    log.debug('debug s3cret-value');
    await log.close();
    const text = chunks.join('');
    expect(text).toContain('login failed with ****');
    expect(text).toContain('debug ****');
    expect(text).not.toContain('s3cret-value');
  });

  it('redacts in JSON output through winston too', async () => {
    const r = new Redactor();
    r.add('s3cret-value');
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = await createLogger({ level: 'info', stream: out, format: 'json' }, r);
    log.info('token s3cret-value');
    await log.close();
    const line = JSON.parse(chunks.join('').trim()) as { message: string; level: string };
    expect(line).toMatchObject({ level: 'info', message: 'token ****' });
  });

  it('writes journald priorities without timestamps under systemd', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = await createLogger({ level: 'info', stream: out, journal: true });
    log.warn('careful');
    log.info('hello');
    await log.close();
    expect(chunks.join('')).toBe('<4>careful\n<6>hello\n');
  });
});
