/**
 * src/ftp — the in-house FTPS client, on node:net and node:tls only. It imports nothing from the rest of
 * src/ (it could be published on its own). Layout: protocol/ is the pure codec; control.ts the command
 * channel; data.ts data connections; transfer.ts one transfer; session.ts login; client.ts the public,
 * self-healing client. See shared/FTPS-NOTES.md for the server behaviours this code is built around.
 */
export { FtpsClient } from './client.ts';
export type {
  FtpsClientOptions,
  FtpTimeouts,
  ClientRetry,
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
  FtpLoginError,
  FtpVerificationError,
  isTransientCode,
} from './errors.ts';
export type { FtpLogger } from './log.ts';
export { silentLogger } from './log.ts';
export type { TlsSettings } from './tls.ts';
export { normaliseFingerprint } from './tls.ts';
export type { ListEntry } from './protocol/index.ts';
export { diagnose } from './diagnose.ts';
export type { Diagnosis, DiagnoseOptions, DiagnosisFacts, DiagnosisStep, StepOutcome } from './diagnose.ts';
export { classifyExpiry, classifyPasvAddress, pinLine, EXPIRY_WARNING_DAYS } from './diagnose-checks.ts';
