/**
 * src/doctor — `ftps-backup doctor`'s checks: every step from DNS to a write test in the destination root,
 * reported as data (a list of steps with what to try). It composes the public login steps of src/ftp one
 * by one (src/ftp knows nothing of the doctor) and may import src/ftp and src/domain only. The CLI prints
 * the steps; other commands (e.g. `init`) may run the same checks, and a caller can append its own checks
 * (DoctorCheck) to the FTPS ones.
 */
export { diagnose, DoctorStop, FTP_CHECKS } from './diagnose.ts';
export type {
  Diagnosis,
  DiagnoseOptions,
  DiagnosisFacts,
  DiagnosisStep,
  DoctorCheck,
  DoctorContext,
  StepOutcome,
  CertificateFacts,
} from './diagnose.ts';
export { classifyExpiry, classifyPasvAddress, pinLine, EXPIRY_WARNING_DAYS } from './checks.ts';
export { Report } from './report.ts';
export { appendOnlyVerdict, type EraseRights } from './write-test.ts';
export { parsePrivilegeRows, privilegeSql, privilegeSteps, type PrivilegeRow } from './mysql-privileges.ts';
