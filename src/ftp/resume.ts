/**
 * How to go on after an upload was cut: a pure decision, so every case is a row in a table-driven test.
 * The inputs are what the server holds (SIZE of the partial file), what the source can still give from
 * which offset (a replay window, a spool file, or nothing), and what the server allows (REST+STOR; APPE;
 * ProFTPD without AllowStoreRestart refuses both with 451). Who retries, how often and after how long is
 * not decided here (the retrying store does that): this only says *how* the next attempt starts.
 */

export interface ResumeInput {
  /** The server's size of the partial file; undefined when it has none (or SIZE failed). */
  serverSize: number | undefined;
  /** Bytes sent so far in this upload (the most the server can rightly hold). */
  sent: number;
  /** Offsets the source can still be read from: [from, to]; undefined when it can give nothing again. */
  replayable: { from: number; to: number } | undefined;
  /** What the server allows: REST before STOR, APPE; undefined while unknown (then try). */
  restAllowed: boolean | undefined;
  appeAllowed: boolean | undefined;
  /** The source can be run again from byte 0 (a new dump, the folder read again); false for stdin. */
  sourceRestartable: boolean;
}

export type ResumeDecision =
  | { kind: 'resume'; offset: number; verb: 'REST+STOR' | 'APPE'; why: string }
  | { kind: 'from-start'; why: string }
  | { kind: 'rerun-source'; why: string }
  | { kind: 'give-up'; why: string };

export function decideResume(i: ResumeInput): ResumeDecision {
  const size = i.serverSize ?? 0;
  const canReplay = (offset: number): boolean =>
    i.replayable !== undefined && offset >= i.replayable.from && offset <= i.replayable.to;
  const fromStart = (why: string): ResumeDecision => {
    if (canReplay(0)) return { kind: 'from-start', why };
    if (i.sourceRestartable) return { kind: 'rerun-source', why: `${why}; the source is run again` };
    return {
      kind: 'give-up',
      why: `${why}, and the source cannot be read again from the start (standard input)`,
    };
  };
  if (size === 0) return fromStart('the server holds nothing of it');
  if (size > i.sent) {
    return fromStart(`the server holds ${size} bytes but only ${i.sent} were sent (not ours to resume)`);
  }
  const verb = i.restAllowed !== false ? 'REST+STOR' : i.appeAllowed !== false ? 'APPE' : undefined;
  if (verb === undefined) return fromStart('the server refuses to resume uploads (REST and APPE)');
  if (!canReplay(size)) {
    const r = i.replayable;
    return fromStart(
      r === undefined
        ? `the server holds ${size} bytes, and the source keeps nothing to resume from`
        : `the server holds ${size} bytes, outside the replay window [${r.from}, ${r.to}]`,
    );
  }
  return { kind: 'resume', offset: size, verb, why: `the server holds ${size} bytes` };
}
