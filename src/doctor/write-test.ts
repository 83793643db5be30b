/**
 * The doctor's write test in the destination root, with one uniquely named file and nothing else: STOR a
 * part, SIZE, resume with REST+STOR, APPE, the server's hash, RNFR/RNTO (ftps-backup uploads to
 * `<name>.partial` and renames), RETR, then what an attacker holding this login would do to a backup:
 * STOR over it, rename it away, DELE it. The verdict says whether the login is append-only. On a normal
 * destination the file is always removed, also after a failure midway (on a new connection if the old one
 * died), and a failed cleanup is reported with the name to remove by hand; on an append-only destination
 * the file is uploaded under its final name (no rename) and stays when the login cannot delete it (said so).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  TransferRefusedError,
  download,
  parseHashReply,
  parseSizeReply,
  parseXHashReply,
  upload,
  type ControlConnection,
  type ServerState,
  type Session,
  type TransferTimeouts,
} from '../ftp/index.ts';
import type { DiagnosisStep } from './checks.ts';
import { dataTlsStep, errorText, type DiagnosisFacts, type Report } from './report.ts';
import { PARTIAL_SUFFIX } from '../domain/index.ts';

/** Bytes per uploaded part (three parts: STOR, then REST+STOR, then APPE). */
const PART = 16 * 1024;

const RESTART_HINT =
  'a connection lost midway then means uploading the whole object again; ProFTPD allows restarts with AllowStoreRestart on';

export interface WriteTestContext {
  control: ControlConnection;
  state: ServerState;
  timeouts: TransferTimeouts;
  /** The hash command chosen at login, if the server offers one. */
  hash: Session['hash'];
  /** What FEAT offers (e.g. `HASH SHA-256`, `XMD5`), for the report. */
  hashOffered: string[];
  name: string;
  report: Report;
  facts: DiagnosisFacts;
  /** A new logged-in session in the root, for the cleanup when the connection was lost. */
  reopen: () => Promise<Session>;
  /** The destination says `appendOnly: true`: a login that can erase is a failure, not a warning. */
  appendOnly: boolean;
}

/** What this login was allowed to do to an existing file (true: the server did it). */
export interface EraseRights {
  delete: boolean;
  rename: boolean;
  overwrite: boolean;
}

/** The verdict step from what the login could do; pure, so that every combination is unit-tested. */
export function appendOnlyVerdict(rights: EraseRights, appendOnly: boolean): DiagnosisStep {
  const could = (['delete', 'rename', 'overwrite'] as const).filter((k) => rights[k]);
  const base = { id: 'append-only', title: 'append-only' };
  if (could.length === 0) {
    return {
      ...base,
      ok: true,
      detail:
        'append-only: confirmed (DELE and RNFR/RNTO were refused to this login, and STOR/APPE did not replace an existing file)',
    };
  }
  const list = could.length === 1 ? could[0] : `${could.slice(0, -1).join(', ')} and ${could.at(-1)}`;
  const detail = rights.delete
    ? `this login can ${list}: whoever takes this host can erase your backups`
    : `this login can ${list} existing files: whoever takes this host can destroy your backups`;
  return appendOnly
    ? {
        ...base,
        ok: false,
        detail: `${detail} (the destination says appendOnly: true)`,
        hint: 'apply an append-only recipe on the server for this login (README: "Protect your backups from a compromised host"), or remove appendOnly: true',
      }
    : {
        ...base,
        ok: 'warn',
        detail,
        hint: 'give this host an append-only login and set appendOnly: true on the destination (README: "Protect your backups from a compromised host")',
      };
}

export async function writeTest(ctx: WriteTestContext): Promise<void> {
  const { control, state, timeouts, report, facts } = ctx;
  const appendOnly = ctx.appendOnly;
  // An append-only destination is written under final names: nothing is renamed there.
  const partial = appendOnly ? ctx.name : `${ctx.name}${PARTIAL_SUFFIX}`;
  const rights: EraseRights = { delete: false, rename: false, overwrite: false };
  /** The login's DELE was refused: what is left stays (said by the cleanup). */
  let deleteRefused = false;
  const content = randomBytes(3 * PART);
  /** Names that may exist on the server now (removed by the cleanup). */
  const leftovers = new Set<string>();
  /** The bytes the server should hold for the test file, or undefined when unknown. */
  let expected: Buffer | undefined;
  let current = partial;
  let restartWorks = false;
  let step: Pick<DiagnosisStep, 'id' | 'title'> = { id: 'write', title: 'upload' };
  const size = async (path: string): Promise<number | undefined> => {
    const r = await control.request('SIZE', path);
    return r.code === 213 ? parseSizeReply(r.message) : undefined;
  };
  const put = (verb: 'STOR' | 'APPE', from: number): Promise<number> =>
    upload(control, state, verb, current, Readable.from([content.subarray(from, from + PART)]), timeouts);
  try {
    leftovers.add(partial);
    try {
      await put('STOR', 0);
    } catch (err) {
      dataTlsStep(state, report, facts, err);
      report.add({
        ...step,
        ok: false,
        detail: `STOR ${partial} failed: ${errorText(err)}`,
        hint: 'check that this user may write in the root (vsftpd write_enable=YES, ProFTPD <Limit WRITE>, Pure-FTPd quotas) and that the disk is not full',
      });
      return;
    }
    dataTlsStep(state, report, facts, undefined);
    expected = content.subarray(0, PART);
    report.add({ ...step, ok: true, detail: `STOR ${partial}: ${PART} bytes` });

    step = { id: 'size', title: 'SIZE' };
    const first = await size(partial);
    if (first === PART) {
      report.add({ ...step, ok: true, detail: `${first} bytes, as sent` });
    } else {
      report.add({
        ...step,
        ok: false,
        detail: `the server reports ${String(first)} bytes, but ${PART} were sent`,
        hint: 'ftps-backup checks every upload with SIZE (in binary mode): the server must answer it correctly',
      });
      expected = undefined;
    }

    step = { id: 'resume', title: 'resume (REST + STOR)' };
    if (expected !== undefined) {
      const rest = await control.request('REST', String(PART));
      if (rest.code !== 350) {
        report.add({
          ...step,
          ok: 'warn',
          detail: `REST refused: ${rest.code} ${rest.message}`,
          hint: RESTART_HINT,
        });
      } else {
        restartWorks = await tryAppend(async () => put('STOR', PART), 2 * PART, `REST ${PART} + STOR`);
      }
    }

    step = { id: 'appe', title: 'APPE' };
    if (expected !== undefined) {
      const from = expected.length;
      const appended = await tryAppend(async () => put('APPE', from), from + PART, 'APPE');
      facts.restart = restartWorks ? 'REST+STOR' : appended ? 'APPE' : 'none';
    }

    step = { id: 'hash', title: 'server hash' };
    const offered = ctx.hashOffered.length > 0 ? ` (FEAT offers ${ctx.hashOffered.join(', ')})` : '';
    if (ctx.hash === undefined) {
      report.add({
        ...step,
        ok: 'skip',
        detail: `no HASH, XSHA256, XSHA1 or XMD5${offered}: uploads are verified by SIZE only`,
      });
    } else if (expected === undefined) {
      report.add({ ...step, ok: 'skip', detail: 'not checked: the file content on the server is unknown' });
    } else {
      const { command, algorithm } = ctx.hash;
      const r = await control.request(command, current, timeouts.finalReplyMs);
      const local = createHash(algorithm === 'SHA-256' ? 'sha256' : algorithm === 'SHA-1' ? 'sha1' : 'md5')
        .update(expected)
        .digest('hex');
      if (r.code < 200 || r.code >= 300) {
        report.add({
          ...step,
          ok: 'warn',
          detail: `${command} refused: ${r.code} ${r.message}${offered}`,
          hint: 'uploads will fail verification while the server offers a hash it does not compute',
        });
      } else {
        const remote = command === 'HASH' ? parseHashReply(r.message).hex : parseXHashReply(r.message);
        report.add(
          remote === local
            ? { ...step, ok: true, detail: `${command} ${algorithm} matches the bytes sent${offered}` }
            : {
                ...step,
                ok: false,
                detail: `${command} ${algorithm} is ${remote}, but the bytes sent hash to ${local}`,
                hint: 'the server stored something else than was sent: check its disk and any transfer filters',
              },
        );
      }
    }

    step = { id: 'rename', title: 'rename (RNFR/RNTO)' };
    if (!appendOnly) {
      const rnfr = await control.request('RNFR', partial);
      const rnto = rnfr.code === 350 ? await control.request('RNTO', ctx.name) : rnfr;
      leftovers.add(ctx.name);
      if (rnto.code >= 200 && rnto.code < 300) {
        leftovers.delete(partial);
        current = ctx.name;
        rights.rename = true;
        report.add({ ...step, ok: true, detail: `${partial} → ${ctx.name}` });
      } else {
        report.add({
          ...step,
          ok: false,
          detail: `refused: ${rnto.code} ${rnto.message}`,
          hint: 'ftps-backup uploads every object as <name>.partial and renames it when verified: allow RNFR/RNTO for this user, or set appendOnly: true on the destination if this login is append-only on purpose',
        });
      }
    }

    step = { id: 'download', title: 'download (RETR)' };
    const chunks: Buffer[] = [];
    await download(control, state, current, (c) => void chunks.push(c), timeouts);
    const got = Buffer.concat(chunks);
    if (expected === undefined || got.equals(expected)) {
      report.add({ ...step, ok: true, detail: `${got.length} bytes back${expected ? ', identical' : ''}` });
    } else {
      report.add({
        ...step,
        ok: false,
        detail: `${got.length} bytes back, not the ${expected.length} bytes stored`,
        hint: 'restores and verify would fail: check the server for transfer filters or ASCII mode',
      });
    }

    step = { id: 'overwrite', title: 'overwrite (STOR or APPE over an existing file)' };
    const overwrite = await probeOverwrite(got);
    rights.overwrite = overwrite.destroyed;
    report.add(
      overwrite.destroyed
        ? { ...step, ok: appendOnly ? false : true, detail: `allowed: ${overwrite.how}` }
        : appendOnly
          ? { ...step, ok: true, detail: `refused, as it should be: ${overwrite.how}` }
          : {
              ...step,
              ok: 'warn',
              detail: `refused: ${overwrite.how}`,
              hint: 'an upload that failed cannot start over under the same name on this server',
            },
    );

    if (appendOnly) {
      step = { id: 'rename', title: 'rename (RNFR/RNTO)' };
      const away = `${ctx.name}.renamed`;
      const rnfr = await control.request('RNFR', current);
      const rnto = rnfr.code === 350 ? await control.request('RNTO', away) : rnfr;
      if (rnto.code >= 200 && rnto.code < 300) {
        rights.rename = true;
        leftovers.add(away);
        leftovers.delete(current);
        current = away;
        report.add({ ...step, ok: false, detail: `allowed: ${ctx.name} → ${away}` });
      } else {
        report.add({ ...step, ok: true, detail: `refused, as it should be: ${rnto.code} ${rnto.message}` });
      }
    }

    // Prune on an append-only destination trusts the server's modification times: this login must not
    // be able to set them (MFMT; vsftpd's MDTM with a time, mdtm_write).
    step = { id: 'set-time', title: 'set a modification time (MFMT / MDTM)' };
    const mfmt = await control.request('MFMT', `20000101000000 ${current}`);
    const retime =
      mfmt.code >= 200 && mfmt.code < 300 ? mfmt : await control.request('MDTM', `20000101000000 ${current}`);
    const modified = await control.request('MDTM', current);
    const backdated = retime.code >= 200 && retime.code < 300 && modified.message.trim().startsWith('2000');
    facts.canSetTimes = backdated;
    report.add(
      backdated
        ? {
            ...step,
            ok: appendOnly ? 'warn' : true,
            detail: `allowed: the file's time is now ${modified.message.trim()}`,
            ...(appendOnly
              ? {
                  hint: 'prune on an append-only destination relies on server times: refuse MFMT/SITE UTIME (ProFTPD <Limit>), set mdtm_write=NO (vsftpd)',
                }
              : {}),
          }
        : { ...step, ok: true, detail: `refused: ${retime.code} ${retime.message}` },
    );

    step = { id: 'delete', title: 'delete (DELE)' };
    const dele = await control.request('DELE', current);
    if (dele.code >= 200 && dele.code < 300) {
      leftovers.delete(current);
      rights.delete = true;
      report.add({ ...step, ok: !appendOnly, detail: `${current} removed` });
    } else {
      deleteRefused = true;
      report.add(
        appendOnly
          ? { ...step, ok: true, detail: `refused, as it should be: ${dele.code} ${dele.message}` }
          : {
              ...step,
              ok: false,
              detail: `refused: ${dele.code} ${dele.message}`,
              hint: 'retention and failed runs need DELE: allow deleting for this user, or set appendOnly: true on the destination if this login is append-only on purpose',
            },
      );
    }
    facts.eraseRights = { ...rights };
    report.add(appendOnlyVerdict(rights, appendOnly));
  } catch (err) {
    report.add({ ...step, ok: false, detail: errorText(err) });
  } finally {
    await cleanup(ctx, leftovers, deleteRefused);
  }

  /**
   * Tries to replace the file's content: STOR over it, then APPE one byte (Pure-FTPd 1.0.50 replaces a
   * file on APPE, measured). The file counts as destroyed when its earlier bytes (`before`) are no longer
   * its start: appending stays possible on an append-only server, replacing must not be.
   */
  async function probeOverwrite(before: Buffer): Promise<{ destroyed: boolean; how: string }> {
    const said: string[] = [];
    for (const verb of ['STOR', 'APPE'] as const) {
      try {
        await upload(control, state, verb, current, Readable.from([Buffer.from('x')]), timeouts);
        said.push(`${verb} accepted`);
      } catch (err) {
        if (!(err instanceof TransferRefusedError)) throw err;
        said.push(`${verb} ${err.code} ${err.serverMessage}`);
      }
    }
    const chunks: Buffer[] = [];
    await download(control, state, current, (c) => void chunks.push(c), timeouts);
    const after = Buffer.concat(chunks);
    const kept = after.length >= before.length && after.subarray(0, before.length).equals(before);
    const outcome = kept
      ? `the file still starts with its ${before.length} bytes`
      : `the file's ${before.length} bytes were replaced (it now holds ${after.length})`;
    return { destroyed: !kept, how: `${said.join('; ')}; ${outcome}` };
  }

  /**
   * Runs one append-style transfer (REST+STOR or APPE) of the next part and checks SIZE; a refusal is a
   * warning (the client then starts over), a wrong size a failure. True when it worked.
   */
  async function tryAppend(transfer: () => Promise<number>, want: number, what: string): Promise<boolean> {
    try {
      await transfer();
    } catch (err) {
      if (!(err instanceof TransferRefusedError)) throw err;
      const restOk = step.id === 'appe' && restartWorks;
      report.add({
        ...step,
        ok: restOk ? true : 'warn',
        detail: `refused: ${err.code} ${err.serverMessage}${restOk ? ' (not needed: REST + STOR works)' : ''}`,
        ...(restOk ? {} : { hint: RESTART_HINT }),
      });
      return false;
    }
    const now = await size(current);
    if (now === want) {
      expected = content.subarray(0, want);
      report.add({ ...step, ok: true, detail: `${what} continued the file: SIZE ${now}` });
      return true;
    }
    if (expected !== undefined && now === expected.length) {
      // Pure-FTPd answers 226 to APPE into a file it may not write (a read-only upload) and appends nothing.
      report.add({
        ...step,
        ok: 'warn',
        detail: `${what} was accepted, but nothing was appended: SIZE is still ${now}`,
        hint: 'resuming does not work on this server: ftps-backup checks SIZE after every upload and starts the object over',
      });
      return false;
    }
    report.add({
      ...step,
      ok: false,
      detail: `${what} was accepted, but SIZE is now ${String(now)}, not ${want}`,
      hint: 'resumed uploads would be corrupt on this server (ftps-backup notices by SIZE/HASH and starts over)',
    });
    expected = undefined;
    return false;
  }
}

/**
 * Removes whatever the test left; reports only when something was left over. When this login may not
 * delete (`deleteRefused`), what stays is said, not counted as a failure.
 */
async function cleanup(ctx: WriteTestContext, leftovers: Set<string>, deleteRefused: boolean): Promise<void> {
  if (leftovers.size === 0) return;
  let control = ctx.control;
  let fresh: Session | undefined;
  const removed: string[] = [];
  const failed: string[] = [];
  const kept: string[] = [];
  try {
    for (const name of leftovers) {
      try {
        if (control.isClosed) {
          fresh ??= await ctx.reopen();
          control = fresh.control;
        }
        const r = await control.request('DELE', name);
        if (r.code >= 200 && r.code < 300) removed.push(name);
        else if (deleteRefused) {
          if ((await control.request('SIZE', name)).code === 213) kept.push(name);
        } else if (r.code !== 550) failed.push(`${name} (${r.code} ${r.message})`);
      } catch (err) {
        failed.push(`${name} (${errorText(err)})`);
      }
    }
  } finally {
    await fresh?.control.quit();
  }
  if (kept.length > 0) {
    ctx.report.add({
      id: 'cleanup',
      ok: 'skip',
      title: 'cleanup',
      detail: `${kept.join(', ')} stays in the destination root: this login cannot delete it (remove it with the prune login or on the server)`,
    });
  }
  if (failed.length > 0) {
    ctx.report.add({
      id: 'cleanup',
      ok: false,
      title: 'cleanup',
      detail: `could not remove ${failed.join(', ')}`,
      hint: 'remove the test file by hand in the destination root',
    });
  } else if (removed.length > 0) {
    ctx.report.add({
      id: 'cleanup',
      ok: true,
      title: 'cleanup',
      detail: `removed the leftover test file ${removed.join(', ')}`,
    });
  }
}
