import { describe, expect, it } from 'vitest';
import { StringDecoder } from 'node:string_decoder';
import {
  FtpProtocolError,
  ReplyReader,
  isCompletion,
  isIntermediate,
  isPermanentNegative,
  isPreliminary,
  isTransientNegative,
  parseReplies,
  replyClass,
} from '../../../src/ftp/protocol/index.ts';
import type { FtpReply } from '../../../src/ftp/protocol/index.ts';

const SHA = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9';

interface Fixture {
  name: string;
  text: string;
  replies: FtpReply[];
}

const FIXTURES: Fixture[] = [
  {
    name: 'single line',
    text: '227 Entering Passive Mode (192,168,1,20,195,80)\r\n',
    replies: [
      {
        code: 227,
        lines: ['227 Entering Passive Mode (192,168,1,20,195,80)'],
        message: 'Entering Passive Mode (192,168,1,20,195,80)',
      },
    ],
  },
  {
    name: 'bare code',
    text: '200\r\n',
    replies: [{ code: 200, lines: ['200'], message: '' }],
  },
  {
    name: 'multi-line 211 FEAT (ProFTPD)',
    text:
      '211-Features:\r\n' +
      ' AUTH TLS\r\n' +
      ' HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;\r\n' +
      ' MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;\r\n' +
      ' REST STREAM\r\n' +
      '211 End\r\n',
    replies: [
      {
        code: 211,
        lines: [
          '211-Features:',
          ' AUTH TLS',
          ' HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;',
          ' MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;',
          ' REST STREAM',
          '211 End',
        ],
        message:
          'Features:\n AUTH TLS\n HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;\n' +
          ' MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;\n REST STREAM\nEnd',
      },
    ],
  },
  {
    name: '213 HASH with a Computing preamble',
    text: `213-Computing SHA-256 digest\r\n213 SHA-256 0-11 ${SHA} a file.txt\r\n`,
    replies: [
      {
        code: 213,
        lines: ['213-Computing SHA-256 digest', `213 SHA-256 0-11 ${SHA} a file.txt`],
        message: `Computing SHA-256 digest\nSHA-256 0-11 ${SHA} a file.txt`,
      },
    ],
  },
  {
    name: '220 banner with embedded code-like and indented lines',
    text:
      '220-Welcome to the backup server\r\n' +
      '220-\r\n' +
      '  Unauthorised access is prohibited.\r\n' +
      '230 this is not the end: another code\r\n' +
      '220-still the banner\r\n' +
      '2200 four digits are not the end either\r\n' +
      '220 ProFTPD Server ready.\r\n',
    replies: [
      {
        code: 220,
        lines: [
          '220-Welcome to the backup server',
          '220-',
          '  Unauthorised access is prohibited.',
          '230 this is not the end: another code',
          '220-still the banner',
          '2200 four digits are not the end either',
          '220 ProFTPD Server ready.',
        ],
        message:
          'Welcome to the backup server\n220-\n  Unauthorised access is prohibited.\n' +
          '230 this is not the end: another code\n220-still the banner\n' +
          '2200 four digits are not the end either\nProFTPD Server ready.',
      },
    ],
  },
  {
    name: 'multi-line reply closed by a bare code',
    text: '211-Status of server\r\n Connected\r\n211\r\n',
    replies: [
      {
        code: 211,
        lines: ['211-Status of server', ' Connected', '211'],
        message: 'Status of server\n Connected\n',
      },
    ],
  },
  {
    name: 'two replies in one buffer',
    text: '150 Opening BINARY mode data connection for a.tar\r\n226 Transfer complete\r\n',
    replies: [
      {
        code: 150,
        lines: ['150 Opening BINARY mode data connection for a.tar'],
        message: 'Opening BINARY mode data connection for a.tar',
      },
      { code: 226, lines: ['226 Transfer complete'], message: 'Transfer complete' },
    ],
  },
  {
    name: 'bare LF line ends, mixed with CRLF',
    text: '250-Computing SHA256 digest\n250 ABCDEF0123\r\n200 Type set to I\n',
    replies: [
      {
        code: 250,
        lines: ['250-Computing SHA256 digest', '250 ABCDEF0123'],
        message: 'Computing SHA256 digest\nABCDEF0123',
      },
      { code: 200, lines: ['200 Type set to I'], message: 'Type set to I' },
    ],
  },
  {
    name: 'Unicode text (multi-byte UTF-8 and a surrogate pair)',
    text: '257 "/backups/Ünïcødé 日本 🎉" is the current directory\r\n550 Ça n\'existe pas — ошибка\r\n',
    replies: [
      {
        code: 257,
        lines: ['257 "/backups/Ünïcødé 日本 🎉" is the current directory'],
        message: '"/backups/Ünïcødé 日本 🎉" is the current directory',
      },
      {
        code: 550,
        lines: ["550 Ça n'existe pas — ошибка"],
        message: "Ça n'existe pas — ошибка",
      },
    ],
  },
];

/** parseReplies over two pieces, the first piece's rest carried into the second. */
function twoPureCalls(text: string, cut: number): FtpReply[] {
  const first = parseReplies(text.slice(0, cut));
  const second = parseReplies(first.rest + text.slice(cut));
  expect(second.rest).toBe('');
  return [...first.replies, ...second.replies];
}

function readerPushes(chunks: readonly string[]): FtpReply[] {
  const reader = new ReplyReader();
  const out = chunks.flatMap((c) => reader.push(c));
  expect(reader.rest).toBe('');
  return out;
}

/** What the connection does: bytes in arbitrary chunks, decoded by a StringDecoder, pushed. */
function bytePushes(bytes: Buffer, cuts: readonly number[]): FtpReply[] {
  const decoder = new StringDecoder('utf8');
  const reader = new ReplyReader();
  const out: FtpReply[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    out.push(...reader.push(decoder.write(bytes.subarray(from, cut))));
    from = cut;
  }
  out.push(...reader.push(decoder.end()));
  expect(reader.rest).toBe('');
  return out;
}

describe('parseReplies / ReplyReader', () => {
  for (const f of FIXTURES) {
    describe(f.name, () => {
      it('parses the whole text at once', () => {
        expect(parseReplies(f.text)).toEqual({ replies: f.replies, rest: '' });
      });

      it('gives the same replies when split into two pieces at every offset', () => {
        for (let cut = 0; cut <= f.text.length; cut++) {
          expect(twoPureCalls(f.text, cut), `cut at ${cut}`).toEqual(f.replies);
          expect(readerPushes([f.text.slice(0, cut), f.text.slice(cut)]), `cut at ${cut}`).toEqual(f.replies);
        }
      });

      it('gives the same replies when pushed one character at a time', () => {
        expect(readerPushes([...f.text.split('')])).toEqual(f.replies);
      });

      it('gives the same replies when the UTF-8 bytes are split at every byte offset', () => {
        const bytes = Buffer.from(f.text, 'utf8');
        for (let cut = 0; cut <= bytes.length; cut++) {
          expect(bytePushes(bytes, [cut]), `byte cut at ${cut}`).toEqual(f.replies);
        }
        expect(
          bytePushes(
            bytes,
            Array.from({ length: bytes.length }, (_, i) => i + 1),
          ),
        ).toEqual(f.replies);
      });
    });
  }

  it('keeps an unfinished reply as rest, exactly as received', () => {
    const { replies, rest } = parseReplies('200 Type set to I\r\n211-Features:\r\n AUTH TLS\r\n PBS');
    expect(replies).toEqual([{ code: 200, lines: ['200 Type set to I'], message: 'Type set to I' }]);
    expect(rest).toBe('211-Features:\r\n AUTH TLS\r\n PBS');
  });

  it('returns nothing until a reply is complete, then only that reply', () => {
    const reader = new ReplyReader();
    expect(reader.push('150 Opening data connection\r')).toEqual([]);
    expect(reader.rest).toBe('150 Opening data connection\r');
    expect(reader.push('\n226-Transfer')).toEqual([
      { code: 150, lines: ['150 Opening data connection'], message: 'Opening data connection' },
    ]);
    expect(reader.push(' complete\r\n226-more\r\n')).toEqual([]);
    expect(reader.push('226 done\r\n')).toEqual([
      {
        code: 226,
        lines: ['226-Transfer complete', '226-more', '226 done'],
        message: 'Transfer complete\n226-more\ndone',
      },
    ]);
    expect(reader.rest).toBe('');
  });

  it('keeps the original line text, trailing spaces and inner CRs included', () => {
    expect(parseReplies('200 ok  \r\n').replies[0]?.message).toBe('ok  ');
    expect(parseReplies('200 a\rb\n').replies[0]?.message).toBe('a\rb');
  });

  describe('protocol violations', () => {
    it.each([
      ['a line of garbage', 'hello there\r\n'],
      ['an HTTP status line', 'HTTP/1.1 400 Bad Request\r\n'],
      ['a two-digit code', '20 ok\r\n'],
      ['a four-digit code', '2000 ok\r\n'],
      ['a code glued to text', '200ok\r\n'],
      ['an empty line', '\r\n'],
      ['a code outside 1xx..5xx', '600 protected reply\r\n'],
      ['a code starting with 0', '099 nope\r\n'],
    ])('throws FtpProtocolError on %s', (_label, text) => {
      expect(() => parseReplies(text)).toThrow(FtpProtocolError);
      expect(() => new ReplyReader().push(text)).toThrow(FtpProtocolError);
    });

    it('throws on garbage that follows a valid reply in the same buffer', () => {
      expect(() => parseReplies('200 ok\r\nnot a reply\r\n')).toThrow(/not an FTP reply: "not a reply"/);
    });

    it('does not judge an incomplete line before its end arrives', () => {
      const reader = new ReplyReader();
      expect(reader.push('garb')).toEqual([]);
      expect(() => reader.push('age\n')).toThrow(FtpProtocolError);
    });

    it('accepts a reply of exactly maxReplyChars and rejects one character more', () => {
      const fits = `200 ${'x'.repeat(14)}\r\n`;
      expect(fits).toHaveLength(20);
      expect(parseReplies(fits, 20).replies).toHaveLength(1);
      expect(() => parseReplies(`200 ${'x'.repeat(15)}\r\n`, 20)).toThrow(FtpProtocolError);
    });

    it('rejects a complete multi-line reply over the limit even when it arrives in one piece', () => {
      const text = `211-start\r\n${' line\r\n'.repeat(20)}211 End\r\n`;
      expect(parseReplies(text, text.length).replies).toHaveLength(1);
      expect(() => parseReplies(text, text.length - 1)).toThrow(/longer than/);
    });

    it('rejects a server that floods a never-ending multi-line reply', () => {
      const reader = new ReplyReader(1000);
      reader.push('220-Welcome\r\n');
      let pushed = 0;
      expect(() => {
        for (; pushed < 1000; pushed++) {
          reader.push('220-spam spam spam\r\n');
        }
      }).toThrow(FtpProtocolError);
      expect(pushed).toBeLessThan(60);
    });

    it('rejects one endless line without a line end', () => {
      const reader = new ReplyReader(100);
      expect(reader.push('2'.repeat(100))).toEqual([]);
      expect(() => reader.push('2')).toThrow(/longer than 100/);
    });

    it('uses 64 KiB as the default limit', () => {
      expect(() => parseReplies(`200 ${'x'.repeat(65536)}`)).toThrow(FtpProtocolError);
      expect(parseReplies(`200 ${'x'.repeat(65000)}`).rest).toHaveLength(65004);
    });

    it('rejects a limit that is not a positive integer', () => {
      expect(() => new ReplyReader(0)).toThrow(RangeError);
      expect(() => parseReplies('200 ok\r\n', 1.5)).toThrow(RangeError);
    });
  });
});

describe('reply classes', () => {
  it.each([
    [100, 1],
    [150, 1],
    [199, 1],
    [200, 2],
    [226, 2],
    [331, 3],
    [350, 3],
    [421, 4],
    [425, 4],
    [500, 5],
    [550, 5],
    [599, 5],
  ] as const)('replyClass(%i) is %i', (code, cls) => {
    expect(replyClass(code)).toBe(cls);
  });

  it.each([0, 99, 600, 250.5, Number.NaN])('replyClass(%d) throws', (code) => {
    expect(() => replyClass(code)).toThrow(FtpProtocolError);
  });

  it('has exactly one predicate true for each class', () => {
    const predicates = [
      isPreliminary,
      isCompletion,
      isIntermediate,
      isTransientNegative,
      isPermanentNegative,
    ];
    for (const [code, index] of [
      [150, 0],
      [226, 1],
      [350, 2],
      [451, 3],
      [553, 4],
    ] as const) {
      expect(predicates.map((p) => p(code))).toEqual(predicates.map((_, i) => i === index));
    }
    expect(predicates.map((p) => p(99))).toEqual([false, false, false, false, false]);
    expect(predicates.map((p) => p(600))).toEqual([false, false, false, false, false]);
  });
});
