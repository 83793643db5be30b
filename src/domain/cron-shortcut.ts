/**
 * Cron shortcuts as cron users write them (Vixie cron, cronie, systemd's OnCalendar has the same words
 * without the `@`): each is a name for one five-field expression. The table is the one fact; the config
 * validator and the scheduler both expand through it, so `status` and the daemon agree.
 */
export const CRON_SHORTCUTS = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
} as const satisfies Record<string, string>;

export type CronShortcut = keyof typeof CRON_SHORTCUTS;

export type CronExpansion =
  { ok: true; expression: string; shortcut?: CronShortcut } | { ok: false; reason: string };

const isShortcut = (s: string): s is CronShortcut => Object.hasOwn(CRON_SHORTCUTS, s);

/**
 * The cron expression `schedule` stands for: a shortcut becomes its five fields; anything not starting
 * with `@` is returned trimmed, for the cron parser to judge. An unknown `@word` (including `@reboot`,
 * which has no meaning for a daemon that catches up missed runs) is refused with the list of known ones.
 */
export function expandCronShortcut(schedule: string): CronExpansion {
  const s = schedule.trim();
  if (!s.startsWith('@')) return { ok: true, expression: s };
  if (isShortcut(s)) return { ok: true, expression: CRON_SHORTCUTS[s], shortcut: s };
  const known = Object.keys(CRON_SHORTCUTS).join(', ');
  const reason =
    s === '@reboot'
      ? '@reboot is not supported: the daemon runs schedules, and catchUpMissed runs a job missed while it was down'
      : `unknown cron shortcut ${JSON.stringify(s)}: expected one of ${known} (lower case)`;
  return { ok: false, reason };
}
