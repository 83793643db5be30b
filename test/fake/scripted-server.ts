/**
 * A scripted in-process FTPS server (explicit TLS) for faults the real daemons can't produce on cue: a
 * bogus PASV address, a 421 at login, a 552 in the middle of an upload, a data connection cut with a
 * 226 anyway (as ProFTPD and Pure-FTPd do), replies split into single bytes. Files live in memory.
 * Hostile modes: listings the script chooses (`..`, `/`, control characters, a folder inside itself
 * forever), downloads the script streams (longer than announced, endless, a decompression bomb), and
 * 250 to every DELE and RMD whatever the path.
 * It is a test double for the client's fault handling only; the client is proved on real daemons too.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { TLSSocket, createSecureContext, type SecureContext } from 'node:tls';

export interface Script {
  /** Send every reply one byte per write. */
  splitReplies?: boolean;
  /** Refuse EPSV (500) and answer PASV with this address instead of ours. */
  pasvHost?: string;
  /** Answer USER with 421 this many times (then behave). */
  loginClosesTimes?: number;
  /** During STOR: after this many bytes reply 552 and close the data connection. */
  storAbortAfter?: number;
  /** During STOR: after this many bytes cut the data connection but still reply 226, this many times. */
  storCutAfter?: number;
  storCutTimes?: number;
  /** Refuse REST/APPE with 451 (like ProFTPD without AllowStoreRestart). */
  refuseRestart?: boolean;
  /**
   * The LIST text (Unix `ls -l` lines ending in CRLF) for a path; undefined: the stored files. A hostile
   * server lists what it likes here.
   */
  listing?: (path: string) => string | undefined;
  /**
   * What RETR of a path sends instead of a stored file, chunk by chunk with back-pressure (huge,
   * endless, a bomb); undefined: the stored file. The transfer stops when the client closes the data
   * connection (then 426).
   */
  retrieve?: (path: string) => Iterable<Buffer> | AsyncIterable<Buffer> | undefined;
}

/** One `ls -l` line of a LIST reply, for `listing` scripts. */
export function listLine(type: 'd' | '-', name: string, size = 0): string {
  return `${type}rw-r--r--    1 1000     1000     ${size} Jan 01 00:00 ${name}\r\n`;
}

export interface ScriptedServer {
  port: number;
  files: Map<string, Buffer>;
  commands: string[];
  logins: number;
  close(): Promise<void>;
}

export async function startScriptedServer(
  cert: { key: string; cert: string },
  script: Script,
): Promise<ScriptedServer> {
  const context = createSecureContext({ key: cert.key, cert: cert.cert, minVersion: 'TLSv1.2' });
  const files = new Map<string, Buffer>();
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const state = { logins: 0, loginCloses: script.loginClosesTimes ?? 0, cuts: script.storCutTimes ?? 1 };
  const server = createNetServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => {});
    new Session(raw, context, script, files, commands, state, sockets).start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    files,
    commands,
    get logins() {
      return state.logins;
    },
    close: () => closeServer(server, sockets),
  };
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

class Session {
  private socket: Socket;
  private buffer = '';
  private dataServer: Server | undefined;
  private dataSocket: Promise<Socket> | undefined;
  private rest = 0;
  private renameFrom: string | undefined;
  private readonly raw: Socket;
  private readonly context: SecureContext;
  private readonly script: Script;
  private readonly files: Map<string, Buffer>;
  private readonly commands: string[];
  private readonly state: { logins: number; loginCloses: number; cuts: number };
  private readonly sockets: Set<Socket>;
  private tlsSession = false;

  constructor(
    raw: Socket,
    context: SecureContext,
    script: Script,
    files: Map<string, Buffer>,
    commands: string[],
    state: { logins: number; loginCloses: number; cuts: number },
    sockets: Set<Socket>,
  ) {
    this.raw = raw;
    this.socket = raw;
    this.context = context;
    this.script = script;
    this.files = files;
    this.commands = commands;
    this.state = state;
    this.sockets = sockets;
  }

  start(): void {
    this.reply('220 scripted test server');
    this.socket.on('data', this.onData);
  }

  private onData = (chunk: Buffer): void => {
    this.buffer += chunk.toString('utf8');
    let i: number;
    while ((i = this.buffer.indexOf('\r\n')) !== -1) {
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + 2);
      void this.handle(line);
    }
  };

  private reply(text: string): void {
    const bytes = Buffer.from(`${text}\r\n`);
    if (this.script.splitReplies === true) {
      for (const b of bytes) this.socket.write(Buffer.from([b]));
    } else {
      this.socket.write(bytes);
    }
  }

  private async handle(line: string): Promise<void> {
    const sp = line.indexOf(' ');
    const verb = (sp === -1 ? line : line.slice(0, sp)).toUpperCase();
    const arg = sp === -1 ? '' : line.slice(sp + 1);
    this.commands.push(verb === 'PASS' ? 'PASS ****' : line);
    switch (verb) {
      case 'AUTH': {
        this.reply('234 AUTH TLS ok');
        this.raw.off('data', this.onData);
        const tlsSocket = new TLSSocket(this.raw, { isServer: true, secureContext: this.context });
        tlsSocket.on('error', () => {});
        this.socket = tlsSocket;
        this.tlsSession = true;
        tlsSocket.on('data', this.onData);
        return;
      }
      case 'USER':
        if (this.state.loginCloses > 0) {
          this.state.loginCloses -= 1;
          this.reply('421 Too many connections, closing');
          this.socket.end();
          return;
        }
        return this.reply('331 password please');
      case 'PASS':
        this.state.logins += 1;
        return this.reply(arg === 'secret' ? '230 logged in' : '530 Login incorrect.');
      case 'PBSZ':
        return this.reply('200 PBSZ=0');
      case 'PROT':
        return this.reply('200 Protection set to Private');
      case 'FEAT':
        return this.reply('211-Features:\r\n EPSV\r\n PASV\r\n SIZE\r\n REST STREAM\r\n UTF8\r\n211 End');
      case 'OPTS':
      case 'TYPE':
        return this.reply('200 ok');
      case 'PWD':
        return this.reply('257 "/" is the current directory');
      case 'CWD':
        return this.reply('250 ok');
      case 'MKD':
        return this.reply(`257 "${arg}" created`);
      case 'EPSV':
        if (this.script.pasvHost !== undefined) return this.reply('500 EPSV not understood');
        return this.reply(`229 Entering Extended Passive Mode (|||${await this.listen()}|)`);
      case 'PASV': {
        const port = await this.listen();
        const host = (this.script.pasvHost ?? '127.0.0.1').split('.').join(',');
        return this.reply(`227 Entering Passive Mode (${host},${port >> 8},${port & 255})`);
      }
      case 'REST':
        this.rest = Number(arg);
        return this.reply(`350 Restarting at ${this.rest}`);
      case 'SIZE': {
        const f = this.files.get(arg);
        return this.reply(f === undefined ? '550 no such file' : `213 ${f.length}`);
      }
      case 'DELE':
        this.files.delete(arg);
        return this.reply('250 deleted');
      case 'RMD':
        return this.reply('250 removed');
      case 'RNFR':
        this.renameFrom = arg;
        return this.reply('350 ready');
      case 'RNTO': {
        const f = this.renameFrom === undefined ? undefined : this.files.get(this.renameFrom);
        if (f === undefined) return this.reply('550 RNFR first');
        this.files.delete(this.renameFrom!);
        this.files.set(arg, f);
        return this.reply('250 renamed');
      }
      case 'STOR':
      case 'APPE':
        return this.store(verb, arg);
      case 'RETR':
        return this.script.retrieve?.(arg) !== undefined
          ? this.stream(this.script.retrieve(arg)!)
          : this.retrieve(arg);
      case 'LIST':
        return this.sendListing(arg);
      case 'NOOP':
        return this.reply('200 NOOP');
      case 'QUIT':
        this.reply('221 bye');
        this.socket.end();
        return;
      default:
        return this.reply(`500 ${verb} not understood`);
    }
  }

  private listen(): Promise<number> {
    this.dataServer?.close();
    const server = createNetServer();
    this.dataServer = server;
    this.dataSocket = new Promise<Socket>((resolve) => {
      server.once('connection', (raw) => {
        this.sockets.add(raw);
        raw.on('error', () => {});
        server.close();
        if (!this.tlsSession) return resolve(raw);
        const tlsSocket = new TLSSocket(raw, { isServer: true, secureContext: this.context });
        tlsSocket.on('error', () => {});
        resolve(tlsSocket);
      });
    });
    return new Promise((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
  }

  private async store(verb: 'STOR' | 'APPE', path: string): Promise<void> {
    const restarting = verb === 'APPE' || this.rest > 0;
    if (restarting && this.script.refuseRestart === true) {
      this.rest = 0;
      return this.reply(`451 ${path}: Append/Restart not permitted, try again`);
    }
    const data = await this.dataSocket!;
    this.reply('150 Opening BINARY mode data connection');
    const base =
      verb === 'APPE'
        ? (this.files.get(path) ?? Buffer.alloc(0))
        : (this.files.get(path) ?? Buffer.alloc(0)).subarray(0, this.rest);
    if (verb === 'STOR' && this.rest === 0) this.files.set(path, Buffer.alloc(0));
    this.rest = 0;
    const chunks: Buffer[] = [base];
    let received = 0;
    const abortAt = this.script.storAbortAfter;
    const cutAt = this.state.cuts > 0 ? this.script.storCutAfter : undefined;
    await new Promise<void>((resolve) => {
      data.on('data', (chunk: Buffer) => {
        received += chunk.length;
        chunks.push(chunk);
        if (abortAt !== undefined && received >= abortAt) {
          data.destroy();
          this.files.set(path, Buffer.concat(chunks));
          this.reply('552 Transfer aborted. Disk full');
          resolve();
        } else if (cutAt !== undefined && received >= cutAt) {
          this.state.cuts -= 1;
          data.destroy();
          this.files.set(path, Buffer.concat(chunks));
          this.reply('226 Transfer complete'); // the lie real servers tell
          resolve();
        }
      });
      data.on('end', () => {
        this.files.set(path, Buffer.concat(chunks));
        data.end();
        this.reply('226 Transfer complete');
        resolve();
      });
      data.on('close', () => resolve());
    });
  }

  /** LIST: the script's listing, or one Unix-style line per file (one flat namespace). */
  private async sendListing(path: string): Promise<void> {
    const data = await this.dataSocket!;
    this.reply('150 Here comes the directory listing');
    const scripted = this.script.listing?.(path);
    const lines =
      scripted !== undefined
        ? [scripted]
        : [...this.files].map(([name, f]) => listLine('-', name.replace(/^\//, ''), f.length));
    data.end(lines.join(''));
    await new Promise((resolve) => data.once('close', resolve));
    this.reply('226 Directory send OK');
  }

  /** RETR of scripted content: written with back-pressure until it ends or the client hangs up. */
  private async stream(content: Iterable<Buffer> | AsyncIterable<Buffer>): Promise<void> {
    const data = await this.dataSocket!;
    this.reply('150 Opening BINARY mode data connection');
    this.rest = 0;
    let closed = false;
    data.once('close', () => (closed = true));
    for await (const chunk of content) {
      if (closed) break;
      if (!data.write(chunk)) {
        await new Promise<void>((resolve) => {
          data.once('drain', resolve);
          data.once('close', resolve);
        });
      }
    }
    if (closed) return this.reply('426 Connection closed; transfer aborted');
    data.end();
    await new Promise((resolve) => data.once('close', resolve));
    this.reply('226 Transfer complete');
  }

  private async retrieve(path: string): Promise<void> {
    const f = this.files.get(path);
    if (f === undefined) return this.reply('550 no such file');
    const data = await this.dataSocket!;
    this.reply('150 Opening BINARY mode data connection');
    data.end(f.subarray(this.rest));
    this.rest = 0;
    await new Promise((resolve) => data.once('close', resolve));
    this.reply('226 Transfer complete');
  }
}
