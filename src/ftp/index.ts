/**
 * src/ftp — the in-house FTPS client, on node:net and node:tls only. It imports nothing from the rest of
 * src/ (it could be published on its own). Layout: protocol/ is the pure codec; control.ts the command
 * channel; data.ts data connections; transfer.ts one transfer; session.ts login; client.ts the public,
 * self-healing client. The doctor that reports on each login step lives in src/doctor. See shared/FTPS-NOTES.md for the server behaviours this code is built around.
 */
export { FtpsClient, SourceRestartNeeded, newUploadState } from './client.ts';
export { decideResume } from './resume.ts';
export type { ResumeDecision, ResumeInput } from './resume.ts';
export type {
  FtpsClientOptions,
  FtpTimeouts,
  UploadState,
  ReplayableSource,
  UploadResult,
  UploadOptions,
  TlsMode,
} from './client.ts';
export {
  FtpError,
  FtpReplyError,
  FtpConnectionError,
  FtpTimeoutError,
  FtpTlsError,
  FtpLimitError,
  FtpLoginError,
  FtpVerificationError,
  isTransientCode,
} from './errors.ts';
export type { FtpLogger } from './log.ts';
export { silentLogger } from './log.ts';
export type { TlsSettings } from './tls.ts';
export { normaliseFingerprint } from './tls.ts';
export type { ListEntry } from './protocol/index.ts';
// The building blocks below are public so that a tool can run the login one step at a time and report
// each (src/doctor does): connect, secureControl, login, protectData, readFeatures, binaryMode, ...
export { ControlConnection } from './control.ts';
export type { ControlOptions } from './control.ts';
export {
  openSession,
  secureControl,
  login,
  protectData,
  readFeatures,
  binaryMode,
  chooseHash,
  homeDirectory,
} from './session.ts';
export type { Credentials, HashAlgorithm, Session } from './session.ts';
export { newServerState } from './state.ts';
export type { ServerState } from './state.ts';
export { verifyControlPeer } from './tls.ts';
export type { PeerInfo } from './tls.ts';
export { TransferRefusedError, download, upload } from './transfer.ts';
export type { TransferTimeouts } from './transfer.ts';
export {
  isPrivateOrUnroutable,
  parseEpsvReply,
  parseFeatReply,
  parseHashFeature,
  parseHashReply,
  parseList,
  parseMlsd,
  parsePasvReply,
  parsePwdReply,
  parseSizeReply,
  parseXHashReply,
} from './protocol/index.ts';
export type { Features, FtpReply } from './protocol/index.ts';
export { escapeControls, unsafeEntryName } from './protocol/index.ts';
