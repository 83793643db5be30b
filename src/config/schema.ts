/**
 * The one zod schema of config.yaml and jobs/*.yaml. It gives the TypeScript types (z.output), the
 * validation (every object is strict: unknown keys are errors) and, through .describe() and
 * z.toJSONSchema, the documentation (describe.ts). Durations and sizes are written as text ('30s', '64MiB')
 * and come out as numbers (milliseconds, bytes). Secrets stay references: nothing is read here.
 *
 * Messages that need the schema's knowledge (allowed keys, what a duration looks like) are set here;
 * generic ones (wrong type, wrong enum value, missing key) are written by errors.ts from the issue.
 */
import { z } from 'zod';
import { validate as validateCron, validateDetailed as validateCronDetailed } from 'node-cron';
import {
  COMPRESSION_ALGORITHMS,
  COMPRESSION_LEVEL_RANGE,
  DEFAULT_COMPRESSION_LEVEL,
  expandCronShortcut,
  compressionLevelProblem,
  parseAgeRecipient,
  refusedDumpOption,
  type CompressionAlgorithm,
} from '../domain/index.ts';
import { DURATION_HINT, SIZE_HINT, parseByteSize, parseDuration } from './units.ts';

/** Job names, destination names and source labels: they become folder and object names. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Runs a refinement even when a sibling field failed, so every problem is reported at once. */
const always = { when: () => true };

/** A quoted, shortened rendering of a user value for messages (never used for secret values). */
export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeof v;
}

/** A strict object whose unknown-key issue carries the allowed keys (errors.ts adds the key itself). */
function strict<S extends z.core.$ZodLooseShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `expected one of: ${allowed}` : undefined),
  });
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Scalars

const name = (what: string) =>
  z.string().regex(NAME_PATTERN, {
    error: (iss) =>
      `expected a ${what} of 1 to 64 letters, digits, "_", "." or "-" starting with a letter or digit, got ${showValue(iss.input)}`,
  });

const absolutePath = z
  .string()
  .refine((p) => p.startsWith('/') && !p.includes('\0'), {
    error: (iss) => `expected an absolute path (starting with "/"), got ${showValue(iss.input)}`,
  })
  .meta({ 'x-kind': 'absolute path' });

function duration() {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message, input: text });
        return z.NEVER;
      }
    })
    .meta({ 'x-kind': 'duration', 'x-hint': DURATION_HINT });
}

function byteSize() {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return parseByteSize(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message, input: text });
        return z.NEVER;
      }
    })
    .meta({ 'x-kind': 'size', 'x-hint': SIZE_HINT });
}

const port = z.number().int().min(1).max(65535);

const CRON_FIELDS: Record<string, string> = {
  second: 'seconds',
  minute: 'minute',
  hour: 'hour',
  dayOfMonth: 'day-of-month',
  month: 'month',
  dayOfWeek: 'day-of-week',
};

/** Why node-cron refuses an expression, in our words; undefined when it is valid. */
export function cronProblem(written: string): string | undefined {
  const expanded = expandCronShortcut(written);
  if (!expanded.ok) return expanded.reason;
  const expr = expanded.expression;
  const fields = expr.split(/\s+/);
  const shape = 'minute hour day-of-month month day-of-week, with an optional leading seconds field';
  if (expr === '' || fields.length < 5 || fields.length > 6) {
    return `expected a cron expression of 5 or 6 fields (${shape}) or a shortcut such as @daily, got ${showValue(written)}`;
  }
  if (validateCron(expr)) return undefined;
  const reasons = validateCronDetailed(expr).errors.map((e) => {
    const field = CRON_FIELDS[e.field];
    return field !== undefined && /invalid expression/.test(e.message)
      ? `${field} field ${showValue(e.value ?? '')} is not valid`
      : e.message;
  });
  return `invalid cron expression ${showValue(written)}: ${reasons.length > 0 ? reasons.join('; ') : `expected ${shape}`}`;
}

const cron = z
  .string()
  .superRefine((expr, ctx) => {
    const problem = cronProblem(expr);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: expr });
  })
  .meta({ 'x-kind': 'cron' });

/**
 * Whether `tz` is an IANA zone Node knows. The list lookup comes first: building an Intl.DateTimeFormat
 * for a zone pages in ICU's zone data, about 8 MB of memory for the whole run (measured), which `run` and
 * `check-config` need not pay for UTC or a canonical name; aliases (US/Eastern, Etc/UTC) still go
 * through Intl.
 */
export function isTimeZone(tz: string): boolean {
  if (tz.trim() === '') return false;
  if (tz === 'UTC' || Intl.supportedValuesOf('timeZone').includes(tz)) return true;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z
  .string()
  .refine(isTimeZone, {
    error: (iss) =>
      `expected an IANA time zone name such as "Europe/Berlin" or "UTC", got ${showValue(iss.input)}`,
  })
  .meta({ 'x-kind': 'time zone' });

const FINGERPRINT = /^sha256:([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/;

const fingerprint = z
  .string()
  .regex(FINGERPRINT, {
    error: (iss) =>
      `expected "sha256:" followed by 32 colon-separated hex bytes (AB:CD:…, as printed by the server check), got ${showValue(iss.input)}`,
  })
  .transform((fp) => fp.slice('sha256:'.length).toUpperCase())
  .meta({ 'x-kind': 'fingerprint' });

/** A remote folder: absolute, no control characters; a trailing slash is dropped. */
const remoteFolder = z
  .string()
  .default('/')
  .refine((p) => p.startsWith('/') && !/[\r\n\0]/.test(p), {
    error: (iss) =>
      `expected an absolute remote folder (starting with "/", without line breaks), got ${showValue(iss.input)}`,
  })
  .transform((p) => (p.length > 1 ? p.replace(/\/+$/, '') || '/' : p))
  .meta({ 'x-kind': 'remote folder' });

// ---------------------------------------------------------------------------------------------------
// Secrets

const PLAIN_SECRET =
  'a password must not be written into the configuration: use { env: NAME }, { file: /absolute/path } or { credential: name }';

const envRef = strict({
  env: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
      error: (iss) =>
        `expected an environment variable name (letters, digits, "_"), got ${showValue(iss.input)}`,
    })
    .describe('Name of the environment variable holding the secret.'),
});
const fileRef = strict({
  file: absolutePath.describe(
    'Absolute path of a file holding the secret (one trailing newline is ignored). Keep it mode 0600 or 0640.',
  ),
});
const credentialRef = strict({
  credential: z
    .string()
    .regex(/^[A-Za-z0-9_@-][A-Za-z0-9_.@-]*$/, {
      error: (iss) =>
        `expected a credential name (letters, digits, "_", ".", "@", "-"), got ${showValue(iss.input)}`,
    })
    .describe(
      'Name of a credential: read from $CREDENTIALS_DIRECTORY/name under systemd (LoadCredential=name:/path in the unit), else from credentialsDir/name (a root shell, cron).',
    ),
});

/** Where `{ credential: name }` is read when $CREDENTIALS_DIRECTORY is not set. */
export const DEFAULT_CREDENTIALS_DIR = '/etc/ftps-backup/credentials';

export const secretRefSchema = z
  .union([envRef, fileRef, credentialRef], {
    error: (iss) => {
      // A missing key is reported by the generic "missing required key" message.
      if (iss.input === undefined) return undefined;
      if (typeof iss.input === 'string' || typeof iss.input === 'number') return PLAIN_SECRET;
      const given = Object.keys(record(iss.input) ?? {}).filter((k) =>
        ['env', 'file', 'credential'].includes(k),
      );
      if (given.length > 1) return `expected only one of env, file, credential, got ${given.join(' and ')}`;
      return 'expected exactly one of { env: NAME }, { file: /absolute/path } or { credential: name }';
    },
  })
  .meta({ 'x-kind': 'secret' });

// ---------------------------------------------------------------------------------------------------
// Policies shared by `defaults` and jobs

const ALGORITHMS = COMPRESSION_ALGORITHMS;
/** Levels used when the configuration names only the algorithm. */
const DEFAULT_LEVEL = DEFAULT_COMPRESSION_LEVEL;
const range = (a: 'zstd' | 'gzip'): string =>
  `${COMPRESSION_LEVEL_RANGE[a].min}–${COMPRESSION_LEVEL_RANGE[a].max}`;

const algorithm = z.enum(ALGORITHMS);
const compressionObject = strict({
  algorithm: algorithm.describe('zstd (fast, small), gzip (everywhere) or none.'),
  level: z
    .number()
    .int()
    .optional()
    .describe(
      `Compression level: zstd ${range('zstd')} (default ${DEFAULT_LEVEL.zstd}), gzip ${range('gzip')} (default ${DEFAULT_LEVEL.gzip}); not allowed with none.`,
    ),
}).superRefine((value, ctx) => {
  // Runs even when a field failed (`always`), so the value may be anything.
  const c = record(value);
  if (typeof c?.level !== 'number' || !ALGORITHMS.some((a) => a === c.algorithm)) return;
  const problem = compressionLevelProblem(c.algorithm as CompressionAlgorithm, c.level);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['level'], message: problem });
}, always);

export const compressionSchema = z
  .union([algorithm, compressionObject], {
    error: (iss) =>
      iss.input === undefined
        ? undefined
        : `expected one of zstd, gzip, none, or { algorithm, level }, got ${showValue(iss.input)}`,
  })
  .transform((c): { algorithm: 'zstd' | 'gzip'; level: number } | { algorithm: 'none' } => {
    const o = typeof c === 'string' ? { algorithm: c, level: undefined } : c;
    return o.algorithm === 'none'
      ? { algorithm: 'none' }
      : { algorithm: o.algorithm, level: o.level ?? DEFAULT_LEVEL[o.algorithm] };
  })
  .describe(
    "How objects are compressed: an algorithm name (zstd, gzip, none) or { algorithm, level }. A job's value replaces the default.",
  );

const keep = (what: string) =>
  z.number().int().min(0).optional().describe(`Keep the newest complete set of each of the last N ${what}.`);

export const retentionSchema = strict({
  keepLast: z.number().int().min(0).optional().describe('Keep the N newest complete sets.'),
  keepHourly: keep('hours'),
  keepDaily: keep('days'),
  keepWeekly: keep('weeks'),
  keepMonthly: keep('months'),
  keepYearly: keep('years'),
  keepWithin: duration()
    .optional()
    .describe('Keep every complete set younger than this duration (relative to the newest set).'),
}).describe(
  "Which complete sets to keep after a successful run; a set kept by any rule stays. A job's policy replaces the default policy as a whole; an empty policy removes nothing.",
);

const retryShape = {
  attempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .describe('Tries of each remote operation, the first one included (1–20).'),
  initialDelay: duration().describe('Wait before the second try; doubles with each try (with jitter).'),
  maxDelay: duration().describe('Upper bound of the wait between tries.'),
};

function checkDelays(value: unknown, ctx: z.RefinementCtx): void {
  const r = record(value);
  if (typeof r?.initialDelay === 'number' && typeof r.maxDelay === 'number' && r.initialDelay > r.maxDelay) {
    ctx.addIssue({
      code: 'custom',
      path: ['maxDelay'],
      message: 'expected maxDelay to be at least initialDelay',
    });
  }
}

export const retrySchema = strict({
  attempts: retryShape.attempts.default(5),
  initialDelay: retryShape.initialDelay.prefault('30s'),
  maxDelay: retryShape.maxDelay.prefault('10m'),
})
  .superRefine(checkDelays, always)
  .describe('Retries of failed uploads and other remote operations, with exponential backoff.');

/** The job-level override: any field given replaces the default's field. */
const retryOverrideSchema = strict({
  attempts: retryShape.attempts.optional(),
  initialDelay: retryShape.initialDelay.optional(),
  maxDelay: retryShape.maxDelay.optional(),
})
  .superRefine(checkDelays, always)
  .describe('Overrides fields of defaults.retry for this job.');

const spoolDescription =
  'Write each object to the local spool folder first and upload it from there (survives long upload outages; needs disk space).';
const randomDelayDescription =
  'Wait a random time between 0 and this duration before a scheduled run starts (spreads the load of many hosts).';

// ---------------------------------------------------------------------------------------------------
// Hooks

const hookCommandSchema = z
  .union(
    [
      z.array(z.string().min(1)).min(1),
      strict({ shell: z.string().min(1).describe('A script run by /bin/sh -c.') }),
    ],
    {
      error: (iss) =>
        `expected a command: a list [program, argument…] or { shell: "…" }, got ${showValue(iss.input)}`,
    },
  )
  .meta({ 'x-kind': 'command: [program, arg…] | { shell }' });

const hookList = (when: string) =>
  z
    .array(hookCommandSchema)
    .optional()
    .describe(
      `${when} Each command is an argv list such as [systemctl, reload, php-fpm] (no shell) or { shell: "…" } for /bin/sh -c; they run in order.`,
    );

const hooksShape = {
  timeout: duration()
    .optional()
    .describe(
      'Time each hook command may take before it is stopped (SIGTERM to its process group, SIGKILL 5 s later) and counted as failed. Default 5m; after SIGTERM the onError and always commands get at most 15 s each.',
    ),
  before: hookList(
    'Run before the backup, once the secrets are resolved; the first failing command fails the run before anything is uploaded (the rest are not run).',
  ),
  after: hookList('Run after a published set and its retention; a failing command makes the run a warning.'),
  onError: hookList('Run after a failed or cancelled run (a failing before command included).'),
  always: hookList(
    'Run last, after every run: success, warning, failure and SIGTERM; a failure after a published set makes the run a warning.',
  ),
};

const hooksSchema = strict(hooksShape).describe(
  "Commands run around each backup with a minimal environment (PATH, HOME, LANG, LC_*, TZ) plus FTPS_BACKUP_JOB, FTPS_BACKUP_SET, FTPS_BACKUP_OUTCOME (success, warning or failure; not for before) and FTPS_BACKUP_ERROR (on failure); their output goes to the job's log. A job's list for a phase replaces the defaults' list for that phase.",
);

// ---------------------------------------------------------------------------------------------------
// Encryption (age)

const ageRecipient = z
  .string()
  .superRefine((text, ctx) => {
    const r = parseAgeRecipient(text);
    if (!r.ok) {
      ctx.addIssue({
        code: 'custom',
        // a recipient is public and ~62 characters: shown whole so a typo can be compared
        message: `expected an age recipient (age1…, as printed by age-keygen), got ${text.length <= 100 ? JSON.stringify(text) : showValue(text)}: ${r.problem}`,
        input: text,
      });
    }
  })
  .meta({ 'x-kind': 'age recipient' });

export const encryptionSchema = strict({
  recipients: z
    .array(ageRecipient)
    .min(1)
    .optional()
    .describe(
      'age recipients (public keys, age1…) every object is encrypted to; any one matching identity (AGE-SECRET-KEY-1…, made by age-keygen) decrypts.',
    ),
  recipientsFile: absolutePath
    .optional()
    .describe('A file of age recipients, one per line, # comments allowed (as `age -R` reads it).'),
  passphrase: secretRefSchema
    .optional()
    .describe(
      'Encrypt with a passphrase (age scrypt) instead of recipients: { env: NAME }, { file: /path } or { credential: name }.',
    ),
})
  .superRefine((value, ctx) => {
    const e = record(value);
    if (e === undefined) return;
    const toRecipients = e.recipients !== undefined || e.recipientsFile !== undefined;
    if (toRecipients && e.passphrase !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['passphrase'],
        message: 'expected either recipients (recipients, recipientsFile) or a passphrase, not both',
      });
    } else if (!toRecipients && e.passphrase === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected recipients, recipientsFile or passphrase' });
    }
  }, always)
  .describe(
    "Encrypt every object with age (its name gets .age) before it leaves the host. Decrypting needs the identity file or the passphrase: lose it and the backups are lost. verify checks the stored bytes without it. A job's value replaces the default.",
  );

// ---------------------------------------------------------------------------------------------------
// Notifications

/** An http:// or https:// URL without user:password. `secret` keeps the value out of messages. */
function httpUrl(secret: boolean) {
  return z
    .string()
    .superRefine((text, ctx) => {
      let url: URL | undefined;
      try {
        url = new URL(text);
      } catch {
        url = undefined;
      }
      const shown = secret ? '(not shown: it is a credential)' : showValue(text);
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// URL, got ${shown}` });
      } else if (url.username !== '' || url.password !== '') {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a URL without user:password (put credentials in a header given as a secret)',
        });
      }
    })
    .meta({ 'x-kind': 'URL' });
}

const NOTIFY_ON = ['failure', 'warning', 'success', 'always'] as const;
const notifyOn = z
  .enum(NOTIFY_ON)
  .default('failure')
  .describe(
    'Which outcomes send it: failure (default: failures and warnings — a set published with something missing is a problem too), warning (warnings only), success (successes only) or always.',
  );
const notifyTimeout = (d: string) =>
  duration().prefault(d).describe('Time allowed for each attempt (connection, request and answer).');
const notifyRetries = z
  .number()
  .int()
  .min(0)
  .max(10)
  .default(3)
  .describe('Further attempts after a network error, a timeout or a 5xx answer (never after a 4xx), 0–10.');

/** Header names whose value is a credential: only a secret reference is accepted for them. */
const SECRET_HEADER = /authorization|token|secret|password|api-?key|cookie/i;

const webhookNotificationSchema = strict({
  type: z.literal('webhook').describe('A JSON POST to a URL (see README: Notifications for the fields).'),
  on: notifyOn,
  url: httpUrl(false).describe('Where the JSON is POSTed (http or https).'),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, {
        error: (iss) => `expected an HTTP header name, got ${showValue(iss.input)}`,
      }),
      z.union(
        [
          z.string().regex(/^[^\r\n\0]*$/, { error: 'expected a header value without line breaks' }),
          secretRefSchema,
        ],
        {
          error: (iss) =>
            iss.input === undefined
              ? undefined
              : 'expected a text value or a secret { env: NAME }, { file: /absolute/path } or { credential: name }',
        },
      ),
      {
        error: (iss) =>
          iss.code === 'invalid_key'
            ? `expected an HTTP header name (letters, digits, "-", no spaces), got ${showValue(iss.input)}`
            : undefined,
      },
    )
    .default({})
    .superRefine((headers, ctx) => {
      for (const [key, value] of Object.entries(record(headers) ?? {})) {
        if (typeof value === 'string' && SECRET_HEADER.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `header ${key} carries a credential: give it as { env: NAME }, { file: /absolute/path } or { credential: name }, not in the configuration`,
          });
        }
      }
    }, always)
    .describe(
      'Extra request headers, by name; a value is text or a secret ({ env }, { file }, { credential }). Authorization, *token*, *secret*, *key* headers must be secrets.',
    ),
  timeout: notifyTimeout('10s'),
  retries: notifyRetries,
});

const healthchecksNotificationSchema = strict({
  type: z
    .literal('healthchecks')
    .describe(
      'Pings to a healthchecks.io-style check: <url>/start when the job starts, <url> on success, <url>/fail on failure, with the end of the log as body.',
    ),
  url: z
    .union([httpUrl(true), secretRefSchema], {
      error: (iss) =>
        iss.input === undefined
          ? undefined
          : 'expected the ping URL (https://hc-ping.com/<uuid>) or a secret { env: NAME }, { file: /absolute/path } or { credential: name } holding it',
    })
    .describe(
      'The ping URL of the check, or a secret holding it (the UUID in it is the credential: it is never logged).',
    ),
  timeout: notifyTimeout('10s'),
  retries: notifyRetries,
});

const emailAddress = z.string().regex(/^[^\s@<>,;"]+@[^\s@<>,;"]+$/, {
  error: (iss) => `expected an e-mail address such as backup@example.org, got ${showValue(iss.input)}`,
});

const emailNotificationSchema = strict({
  type: z.literal('email').describe('An e-mail through an SMTP server.'),
  on: notifyOn,
  host: z
    .string()
    .regex(/^[^\s/]+$/, {
      error: (iss) => `expected a host name or IP address, got ${showValue(iss.input)}`,
    })
    .describe('SMTP server.'),
  port: port
    .optional()
    .describe('TCP port; default 465 with tls: implicit, 587 with starttls, 25 with none.'),
  tls: z
    .enum(['implicit', 'starttls', 'none'])
    .default('starttls')
    .describe(
      'starttls: STARTTLS required (default); implicit: TLS from the first byte (port 465); none: plain SMTP (only for a relay on this host).',
    ),
  user: z.string().min(1).optional().describe('Login name, if the server wants one.'),
  password: secretRefSchema
    .optional()
    .describe('Login password: { env: NAME }, { file: /path } or { credential: name }. Needs user.'),
  from: emailAddress.describe('Sender address.'),
  to: z.array(emailAddress).min(1).describe('Recipient addresses.'),
  timeout: duration()
    .prefault('30s')
    .describe('Time allowed for the connection, the greeting and each SMTP command.'),
})
  .superRefine((value, ctx) => {
    const e = record(value);
    if (e?.password !== undefined && e.user === undefined) {
      ctx.addIssue({ code: 'custom', path: ['user'], message: 'a password needs a user: add user' });
    }
  }, always)
  .transform((e) => ({
    ...e,
    port: e.port ?? (e.tls === 'implicit' ? 465 : e.tls === 'starttls' ? 587 : 25),
  }));

export const notificationSchema = z.discriminatedUnion('type', [
  webhookNotificationSchema,
  healthchecksNotificationSchema,
  emailNotificationSchema,
]);

const notificationsSchema = z
  .array(notificationSchema)
  .describe(
    "Who is told about each run: webhook, healthchecks or email entries. A job's list replaces the defaults' list as a whole (notifications: [] turns them off). A failing notification is logged and never changes the job's outcome.",
  );

// ---------------------------------------------------------------------------------------------------
// Destinations

const timeoutsSchema = strict({
  connect: duration().prefault('30s').describe('Time allowed for the TCP connection and the TLS handshake.'),
  idle: duration()
    .prefault('60s')
    .describe('Time allowed for the server to answer a command on the control connection.'),
  data: duration().prefault('120s').describe('Longest silence on a data connection during a transfer.'),
  finalReply: duration()
    .prefault('120s')
    .describe(
      'Time allowed for the final reply after the data of an upload was sent (servers hash or sync then).',
    ),
}).describe('Network timeouts.');

export const ftpsDestinationSchema = strict({
  type: z.literal('ftps').describe('An FTPS server (FTP over TLS).'),
  host: z
    .string()
    .regex(/^[^\s/]+$/, {
      error: (iss) => `expected a host name or IP address, got ${showValue(iss.input)}`,
    })
    .describe('Host name or IP address of the server.'),
  port: port.optional().describe('TCP port; default 21, or 990 when tls is implicit.'),
  tls: z
    .enum(['explicit', 'implicit', 'none'])
    .default('explicit')
    .describe(
      'explicit: AUTH TLS on the normal port; implicit: TLS from the first byte (port 990); none: plain FTP (the password travels in clear text, a warning is logged).',
    ),
  user: z.string().min(1).describe('Login name.'),
  password: secretRefSchema.describe(
    'Login password: { env: NAME }, { file: /path } or { credential: name }.',
  ),
  fingerprint: fingerprint
    .optional()
    .describe(
      'Trust exactly the server certificate with this SHA-256 fingerprint ("sha256:AB:CD:…", 32 bytes); works for self-signed certificates.',
    ),
  ca: absolutePath.optional().describe("PEM file of the CA certificate(s) to trust instead of the system's."),
  insecure: z
    .boolean()
    .default(false)
    .describe(
      'Accept any certificate. Anyone in the middle can then read the password and the backups; a warning is logged.',
    ),
  tlsMaxVersion: z
    .union([z.enum(['1.2', '1.3']), z.literal(1.2), z.literal(1.3)], {
      error: (iss) =>
        iss.input === undefined ? undefined : `expected one of 1.2, 1.3, got ${showValue(iss.input)}`,
    })
    .default('1.3')
    .transform((v): '1.2' | '1.3' => (v === 1.2 || v === '1.2' ? '1.2' : '1.3'))
    .meta({ 'x-kind': '1.2 | 1.3' })
    .describe('Highest TLS version offered; 1.2 for servers with a broken TLS 1.3.'),
  root: remoteFolder.describe('Remote folder under which each job gets its own folder.'),
  connections: z
    .number()
    .int()
    .min(1)
    .max(8)
    .default(2)
    .describe('Simultaneous connections (sessions) to the server, 1–8.'),
  maxSessionAge: duration()
    .prefault('3h')
    .describe(
      'Reconnect a session older than this before its next transfer (servers expire TLS session caches).',
    ),
  timeouts: timeoutsSchema.prefault({}),
  legacyRenegotiation: z
    .boolean()
    .default(false)
    .describe('Allow servers without RFC 5746 secure renegotiation (refused by OpenSSL 3 otherwise).'),
  appendOnly: z
    .boolean()
    .default(false)
    .describe(
      'The server refuses this login DELE, RMD, RNFR/RNTO and STOR over an existing file (see "Protect your backups from a compromised host" in the README): doctor then fails when the login can erase. Backup runs to such a destination are not supported yet and are refused.',
    ),
})
  .superRefine((value, ctx) => {
    const d = record(value);
    if (d?.insecure === true && d.fingerprint !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['insecure'],
        message:
          'insecure: true and fingerprint contradict each other: keep the fingerprint, it is the safe choice',
      });
    }
  }, always)
  .transform((d) => ({ ...d, port: d.port ?? (d.tls === 'implicit' ? 990 : 21) }));

export const localDestinationSchema = strict({
  type: z.literal('local').describe('A local folder (a mounted disk or network share).'),
  path: absolutePath.describe('Folder under which each job gets its own folder.'),
});

export const destinationSchema = z.discriminatedUnion('type', [
  ftpsDestinationSchema,
  localDestinationSchema,
]);

// ---------------------------------------------------------------------------------------------------
// Sources

const mysqlOption = z.string().superRefine((opt, ctx) => {
  // The same rule as the run's (src/domain/dump-options.ts); its reason never echoes the option's value.
  const refused = refusedDumpOption(opt);
  if (refused !== undefined) ctx.addIssue({ code: 'custom', message: refused });
});

const databaseName = z.string().regex(/^[^/\\.\0]{1,64}$/, {
  error: (iss) => `expected a database name (without "/", "\\" or "."), got ${showValue(iss.input)}`,
});

export const mysqlSourceSchema = strict({
  type: z.literal('mysql').describe('A MySQL or MariaDB server, dumped with mysqldump.'),
  label: name('label').default('db').describe('Name of the source within the job (unique per job).'),
  databases: z
    .union([z.literal('all'), z.array(databaseName).min(1)], {
      error: (iss) =>
        iss.input === undefined
          ? undefined
          : `expected all or a list of database names, got ${showValue(iss.input)}`,
    })
    .describe('all, or the list of databases to dump (one object each).'),
  excludeTables: z
    .array(
      z.string().regex(/^[^./\\\0]+\.[^./\\\0]+$/, {
        error: (iss) => `expected database.table, got ${showValue(iss.input)}`,
      }),
    )
    .default([])
    .describe('Tables left out of the dump, as database.table.'),
  host: z.string().min(1).default('localhost').describe('Server host name.'),
  port: port.optional().describe("Server TCP port (default: the client's, 3306). Not together with socket."),
  socket: absolutePath.optional().describe('Unix socket of the server. Not together with port.'),
  user: z.string().min(1).describe('MySQL user (needs SELECT, SHOW VIEW, TRIGGER, LOCK TABLES, EVENT).'),
  password: secretRefSchema
    .optional()
    .describe('Password of the MySQL user: { env: NAME }, { file: /path } or { credential: name }.'),
  extraOptions: z
    .array(mysqlOption)
    .default([])
    .describe(
      'Further mysqldump options ("--single-transaction" is always given); passwords and result files are refused.',
    ),
}).superRefine((value, ctx) => {
  const s = record(value);
  if (s?.port !== undefined && s.socket !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['socket'],
      message: 'expected either port or socket, not both (socket connects locally, port over TCP)',
    });
  }
}, always);

export const directorySourceSchema = strict({
  type: z.literal('directory').describe('A folder, archived as tar.'),
  label: name('label').describe(
    'Name of the source within the job (unique per job); the object is files-<label>.tar.',
  ),
  path: absolutePath.describe('The folder to archive.'),
  exclude: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'gitignore-style patterns of paths to leave out, relative to path ("wp-content/cache/**", "*.log").',
    ),
  excludeIfPresent: z
    .string()
    .regex(/^[^/\0]+$/, {
      error: (iss) => `expected a file name (without "/"), got ${showValue(iss.input)}`,
    })
    .refine((f) => f !== '.' && f !== '..', { error: 'expected a file name, not "." or ".."' })
    .optional()
    .describe('Leave out every folder that contains a file of this name (e.g. .nobackup).'),
  onUnreadable: z
    .enum(['warn', 'fail'])
    .default('warn')
    .describe(
      'What an unreadable file or folder does: warn (skip it, log a warning) or fail (the run fails).',
    ),
});

export const sqliteSourceSchema = strict({
  type: z
    .literal('sqlite')
    .describe(
      'An SQLite database: a consistent copy made with the sqlite3 shell (VACUUM INTO, one snapshot) while the database stays in use.',
    ),
  label: name('label').describe(
    'Name of the source within the job (unique per job); the object is sqlite-<label>.db.',
  ),
  path: absolutePath.describe('The database file.'),
});

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const commandSourceSchema = strict({
  type: z
    .literal('command')
    .describe(
      'A program whose standard output is the object (e.g. redis-cli --rdb -); a non-zero exit fails it.',
    ),
  label: name('label').describe(
    'Name of the source within the job (unique per job); the object is cmd-<label>.out.',
  ),
  command: z
    .array(z.string().min(1))
    .min(1)
    .describe('Program and arguments, run without a shell. No secrets here: they would show in ps.'),
  env: z
    .record(
      z.string().regex(ENV_NAME, {
        error: (iss) => `expected an environment variable name, got ${showValue(iss.input)}`,
      }),
      secretRefSchema,
    )
    .default({})
    .describe(
      'Variables added to the minimal environment the program gets (PATH, HOME, LANG, LC_*, TZ): the way to pass it a secret, e.g. REDISCLI_AUTH: { file: /etc/redis.pass }.',
    ),
});

export const sourceSchema = z.discriminatedUnion('type', [
  mysqlSourceSchema,
  directorySourceSchema,
  sqliteSourceSchema,
  commandSourceSchema,
]);

const verifyScheduleSchema = strict({
  schedule: cron.describe(
    "When to verify the job's newest complete set: a cron expression or shortcut (@daily, @weekly, …) in the job's time zone, run by the daemon.",
  ),
  mode: z
    .enum(['download', 'server-hash', 'test-restore'])
    .default('download')
    .describe(
      "download: fetch every object and check size and sha256; server-hash: trust the server's SHA-256 (HASH) where offered; test-restore: also decrypt, decompress and read the content.",
    ),
  identity: absolutePath
    .optional()
    .describe(
      'age identity file for test-restore of a set encrypted to recipients (a passphrase-encrypted job uses its own passphrase).',
    ),
}).describe('Scheduled verification of the newest set; the result goes into the run history (status).');

const fraction = z.number().min(0).max(1);
const anomalySchema = strict({
  enabled: z.boolean().default(true).describe('Compare each run with the previous complete set.'),
  rowDrop: fraction
    .default(0.5)
    .describe(
      'Warn when a table lost more than this fraction of its rows since the previous set (0.5: more than half); a table that fell to zero rows always warns.',
    ),
  folderShrink: fraction
    .default(0.5)
    .describe(
      "Warn when a folder holds fewer than this fraction of the previous set's files or content bytes (0.5: less than half).",
    ),
}).describe(
  'Anomaly check: each run is compared with the previous complete set; a database or folder missing, fewer tables, views, routines, triggers or events, a table whose rows fell, a folder that shrank — each is a warning (outcome warning, run exits 4).',
);

// ---------------------------------------------------------------------------------------------------
// Jobs

export const jobSchema = strict({
  name: name('job name').describe('Name of the job: the folder of its sets on the destination.'),
  schedule: cron
    .optional()
    .describe(
      'When to run: a cron expression with 5 fields (or 6, seconds first), or @hourly, @daily (= @midnight), @weekly (Sunday 00:00), @monthly, @yearly (= @annually). Without it the job runs only by hand.',
    ),
  timezone: timeZone.default('UTC').describe('IANA time zone of the schedule (e.g. Europe/Berlin).'),
  destination: z.string().min(1).describe('Name of the destination (a key of destinations in config.yaml).'),
  sources: z.array(sourceSchema).min(1).describe('What to back up: one object per database or folder.'),
  compression: compressionSchema.optional(),
  retention: retentionSchema.optional(),
  retry: retryOverrideSchema.optional(),
  spool: z.boolean().optional().describe(spoolDescription),
  randomDelay: duration().optional().describe(randomDelayDescription),
  encryption: encryptionSchema.optional(),
  verify: verifyScheduleSchema.optional(),
  notifications: notificationsSchema.optional(),
  hooks: hooksSchema.optional(),
  anomaly: anomalySchema.prefault({}),
  maxAge: duration()
    .optional()
    .describe(
      'status --check reports the job when its last successful backup is older than this (default: two scheduled intervals; a job without schedule is checked only with maxAge).',
    ),
}).superRefine((value, ctx) => {
  const sources = record(value)?.sources;
  if (!Array.isArray(sources)) return;
  const seen = new Map<string, number>();
  sources.forEach((raw: unknown, i) => {
    const s = record(raw);
    if (s === undefined) return;
    const label = typeof s.label === 'string' ? s.label : s.type === 'mysql' ? 'db' : undefined;
    if (label === undefined) return;
    const first = seen.get(label);
    if (first === undefined) {
      seen.set(label, i);
      return;
    }
    ctx.addIssue({
      code: 'custom',
      path: ['sources', i, 'label'],
      message: `label "${label}" is already used by sources[${first}]: give each source its own label`,
    });
  });
}, always);

// ---------------------------------------------------------------------------------------------------
// config.yaml

export const defaultsSchema = strict({
  compression: compressionSchema.prefault('zstd'),
  retention: retentionSchema.prefault({}),
  retry: retrySchema.prefault({}),
  spool: z.boolean().default(false).describe(spoolDescription),
  spoolDir: absolutePath.default('/var/cache/ftps-backup/spool').describe('Folder of the spool.'),
  replayWindow: byteSize()
    .prefault('64MiB')
    .describe(
      'Bytes of each upload kept in memory so an interrupted transfer can resume without re-reading the source.',
    ),
  randomDelay: duration().prefault('0s').describe(randomDelayDescription),
  encryption: encryptionSchema.optional(),
  notifications: notificationsSchema.default([]),
  hooks: hooksSchema.optional(),
}).describe('Settings every job gets unless it sets its own.');

export const configSchema = strict({
  destinations: z
    .record(z.string(), destinationSchema)
    .describe('Where backups go, by name; each job names one.'),
  defaults: defaultsSchema.prefault({}),
  log: strict({
    level: z
      .enum(['error', 'warn', 'info', 'debug'])
      .default('info')
      .describe('Least important messages logged.'),
    file: absolutePath.optional().describe('Also log to this file.'),
    format: z
      .enum(['text', 'json'])
      .default('text')
      .describe('text (one readable line per message) or json (one object per line).'),
  })
    .prefault({})
    .describe('Logging.'),
  credentialsDir: absolutePath
    .default(DEFAULT_CREDENTIALS_DIR)
    .describe(
      'Folder of the credential files ({ credential: name } reads credentialsDir/name) when $CREDENTIALS_DIRECTORY is not set: the same configuration then works for the service (systemd credentials) and from a root shell. Files mode 0600.',
    ),
  state: strict({
    dir: absolutePath.default('/var/lib/ftps-backup').describe('Folder of locks and run history.'),
  })
    .prefault({})
    .describe('Local state.'),
  metrics: strict({
    textfile: absolutePath
      .optional()
      .describe(
        'Write Prometheus metrics of every job to this file (for node_exporter --collector.textfile.directory; the name must end in .prom), atomically after every run and verification.',
      ),
  })
    .prefault({})
    .describe('Monitoring (README: Monitoring).'),
  scheduler: strict({
    maxConcurrentJobs: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe('Jobs the daemon runs at the same time; a job due while the limit is reached waits.'),
    catchUpMissed: z
      .boolean()
      .default(true)
      .describe(
        'At start, run once each job whose last scheduled run was missed (like systemd Persistent=true).',
      ),
  })
    .prefault({})
    .describe('The daemon.'),
  jobsDir: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Folder of the job files (*.yaml, *.yml, one job each); relative to this file. Default: jobs beside this file.',
    ),
  jobs: z.array(jobSchema).optional().describe('Jobs written inline, in addition to those of jobsDir.'),
}).superRefine((value, ctx) => {
  const dests = record(record(value)?.destinations);
  if (dests === undefined) return;
  for (const key of Object.keys(dests)) {
    if (!NAME_PATTERN.test(key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['destinations', key],
        params: { atKey: true },
        message: `expected a destination name of 1 to 64 letters, digits, "_", "." or "-" starting with a letter or digit, got ${showValue(key)}`,
      });
    }
  }
}, always);

// ---------------------------------------------------------------------------------------------------
// Types

export type Config = z.output<typeof configSchema>;
export type Job = z.output<typeof jobSchema>;
export type Destination = z.output<typeof destinationSchema>;
export type FtpsDestination = z.output<typeof ftpsDestinationSchema>;
export type LocalDestination = z.output<typeof localDestinationSchema>;
export type Source = z.output<typeof sourceSchema>;
export type MysqlSource = z.output<typeof mysqlSourceSchema>;
export type DirectorySource = z.output<typeof directorySourceSchema>;
export type SqliteSource = z.output<typeof sqliteSourceSchema>;
export type CommandSource = z.output<typeof commandSourceSchema>;
export type SecretRef = z.output<typeof secretRefSchema>;
export type RetentionPolicy = z.output<typeof retentionSchema>;
export type RetryPolicy = z.output<typeof retrySchema>;
export type Compression = z.output<typeof compressionSchema>;
export type VerifySchedule = z.output<typeof verifyScheduleSchema>;
export type Defaults = z.output<typeof defaultsSchema>;
export type Encryption = z.output<typeof encryptionSchema>;
export type Notification = z.output<typeof notificationSchema>;
export type Hooks = z.output<typeof hooksSchema>;
export type HookCommandSpec = z.output<typeof hookCommandSchema>;
export type LogConfig = Config['log'];
export type SchedulerConfig = Config['scheduler'];
