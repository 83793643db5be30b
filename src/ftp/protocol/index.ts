/**
 * src/ftp/protocol — the pure FTP codec: reply framing (RFC 959), the command serialiser with its CR/LF/NUL
 * guard, and the parsers for PASV/EPSV, FEAT, SIZE, MDTM, HASH, X-digest and PWD replies and for MLSD and
 * LIST listings.
 * Functions over strings only: no sockets, no timers, no clock (the current time comes in as an argument).
 * May import: nothing outside src/ftp/protocol (not even the rest of src/ftp), and needs no Node built-in.
 */
export { FtpProtocolError, InvalidArgumentError } from './errors.ts';
export {
  DEFAULT_MAX_REPLY_CHARS,
  ReplyReader,
  isCompletion,
  isIntermediate,
  isPermanentNegative,
  isPreliminary,
  isTransientNegative,
  parseReplies,
  replyClass,
} from './reply.ts';
export type { FtpReply, ReplyClass } from './reply.ts';
export { formatCommand, redactCommand } from './command.ts';
export { isPrivateOrUnroutable, parseEpsvReply, parsePasvReply } from './passive.ts';
export { parseFeatReply, parseHashFeature } from './feat.ts';
export type { Features } from './feat.ts';
export {
  parseHashReply,
  parseMdtmReply,
  parsePwdReply,
  parseSizeReply,
  parseTimeVal,
  parseXHashReply,
} from './values.ts';
export {
  escapeControls,
  parseDosListLine,
  parseList,
  parseMlsd,
  parseMlsdLine,
  parseStatListing,
  parseUnixListLine,
  unsafeEntryName,
} from './listing.ts';
export type { ListEntry } from './listing.ts';
