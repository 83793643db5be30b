/**
 * A local SMTP sink on 127.0.0.1: speaks enough SMTP (RFC 5321) for a real client — EHLO/HELO, AUTH PLAIN
 * and LOGIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT — and keeps each message (envelope, login, headers and
 * the decoded text body). `rejectMail` answers MAIL FROM with that code, for failure tests.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { arrivals } from './arrivals.ts';

export interface SunkMessage {
  from: string;
  to: string[];
  auth?: { user: string; pass: string } | undefined;
  headers: Record<string, string>;
  /** The text body, quoted-printable and base64 decoded. */
  text: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  messages: SunkMessage[];
  /** Resolves once `count` messages have arrived. */
  received(count: number): Promise<SunkMessage[]>;
  close(): Promise<void>;
}

function decodeQuotedPrintable(text: string): string {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseMessage(raw: string): { headers: Record<string, string>; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body;
  return { headers, text: text.replace(/\r\n/g, '\n') };
}

export async function startSmtpSink(opts: { rejectMail?: number } = {}): Promise<SmtpSink> {
  const arrived = arrivals<SunkMessage>();
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reply = (line: string) => socket.write(`${line}\r\n`);
    let buffer = '';
    let from = '';
    let to: string[] = [];
    let auth: { user: string; pass: string } | undefined;
    let data: string[] | undefined;
    let pending: ((line: string) => void) | undefined;

    const handle = (line: string): void => {
      if (data !== undefined) {
        if (line === '.') {
          const parsed = parseMessage(data.join('\r\n'));
          data = undefined;
          reply('250 2.0.0 queued');
          arrived.push({ from, to, auth, ...parsed });
        } else data.push(line.startsWith('..') ? line.slice(1) : line);
        return;
      }
      if (pending !== undefined) {
        const next = pending;
        pending = undefined;
        next(line);
        return;
      }
      const [verb = '', ...rest] = line.split(' ');
      const arg = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO':
          reply('250-sink.test');
          reply('250-AUTH PLAIN LOGIN');
          reply('250 8BITMIME');
          return;
        case 'HELO':
          reply('250 sink.test');
          return;
        case 'AUTH': {
          const [mech = '', initial] = arg.split(' ');
          const done = (user: string, pass: string) => {
            auth = { user, pass };
            reply('235 2.7.0 authenticated');
          };
          if (mech.toUpperCase() === 'PLAIN') {
            const plain = (b64: string) => {
              const [, user = '', pass = ''] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
              done(user, pass);
            };
            if (initial !== undefined) plain(initial);
            else {
              pending = plain;
              reply('334 ');
            }
          } else if (mech.toUpperCase() === 'LOGIN') {
            const b = (s: string) => Buffer.from(s, 'base64').toString('utf8');
            pending = (u) => {
              pending = (p) => done(b(u), b(p));
              reply('334 UGFzc3dvcmQ6');
            };
            reply('334 VXNlcm5hbWU6');
          } else reply('504 5.5.4 unknown mechanism');
          return;
        }
        case 'MAIL':
          if (opts.rejectMail !== undefined) {
            reply(`${opts.rejectMail} 5.7.1 not accepted here`);
            return;
          }
          from = /<([^>]*)>/.exec(arg)?.[1] ?? '';
          to = [];
          reply('250 2.1.0 ok');
          return;
        case 'RCPT':
          to.push(/<([^>]*)>/.exec(arg)?.[1] ?? '');
          reply('250 2.1.5 ok');
          return;
        case 'DATA':
          data = [];
          reply('354 end with <CRLF>.<CRLF>');
          return;
        case 'RSET':
          from = '';
          to = [];
          reply('250 2.0.0 ok');
          return;
        case 'NOOP':
          reply('250 2.0.0 ok');
          return;
        case 'QUIT':
          reply('221 2.0.0 bye');
          socket.end();
          return;
        default:
          reply('502 5.5.2 command not implemented');
      }
    };

    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        handle(line);
      }
    });
    reply('220 sink.test ESMTP test sink');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages: arrived.items,
    received: arrived.received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
