import { describe, expect, it } from 'vitest';
import * as protocol from '../../../src/ftp/protocol/index.ts';

// src/ftp/*.ts imports the codec by these names; a rename here must be a deliberate API change.
describe('src/ftp/protocol public API', () => {
  it('exports every function and class the client imports, and nothing else', () => {
    expect(Object.keys(protocol).sort()).toEqual(
      [
        'DEFAULT_MAX_REPLY_CHARS',
        'escapeControls',
        'unsafeEntryName',
        'FtpProtocolError',
        'InvalidArgumentError',
        'ReplyReader',
        'formatCommand',
        'isCompletion',
        'isIntermediate',
        'isPermanentNegative',
        'isPreliminary',
        'isPrivateOrUnroutable',
        'isTransientNegative',
        'parseDosListLine',
        'parseEpsvReply',
        'parseFeatReply',
        'parseHashFeature',
        'parseHashReply',
        'parseList',
        'parseMdtmReply',
        'parseMlsd',
        'parseMlsdLine',
        'parsePasvReply',
        'parsePwdReply',
        'parseReplies',
        'parseSizeReply',
        'parseStatListing',
        'parseTimeVal',
        'parseUnixListLine',
        'parseXHashReply',
        'redactCommand',
        'replyClass',
      ].sort(),
    );
    expect(protocol.DEFAULT_MAX_REPLY_CHARS).toBe(65536);
  });

  it('gives the error classes their names and keeps the cause', () => {
    const cause = new Error('root');
    const err = new protocol.FtpProtocolError('bad reply', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('FtpProtocolError');
    expect(err.message).toBe('bad reply');
    expect(err.cause).toBe(cause);
    expect(String(new protocol.InvalidArgumentError('bad arg'))).toBe('InvalidArgumentError: bad arg');
  });
});
