/** What the client learns about a server and keeps across reconnects (FileZilla's per-server capabilities). */
export interface ServerState {
  passiveMode: 'EPSV' | 'PASV' | undefined;
  /** Whether data connections resumed the control TLS session. */
  resumesTls: boolean | undefined;
  /** Whether REST+STOR / APPE are allowed (ProFTPD refuses both without AllowStoreRestart). */
  restartAllowed: boolean | undefined;
  /** REST before STOR worked (true), was refused (false), or not tried yet. */
  restAccepted?: boolean | undefined;
  /** APPE at an offset worked (true), was refused (false), or not tried yet. */
  appeAccepted?: boolean | undefined;
  /** MLSD works (FEAT lists MLST and it did not fail). */
  mlsd: boolean | undefined;
  /** STAT <folder> answers with a listing on the control connection (see FtpsClient.listSmall). */
  statListing?: boolean | undefined;
  /** TLS of the newest data connection (what the doctor reports). */
  lastDataTls?: { protocol: string; cipher: string; reused: boolean } | undefined;
}

export function newServerState(): ServerState {
  return { passiveMode: undefined, resumesTls: undefined, restartAllowed: undefined, mlsd: undefined };
}
