/**
 * src/domain — pure rules shared by the rest of src/: set and object names (set-name.ts), the
 * compression vocabulary (compression.ts), the mysqldump options a job may not add (dump-options.ts), the
 * manifest.json format (manifest.ts), retry delays (retry.ts), retention (retention.ts), restore's
 * path-safety decisions (restore-path.ts), the bech32 key strings of age (bech32.ts) and the cron
 * shortcuts such as @daily (cron-shortcut.ts).
 *
 * Imports nothing outside this folder and no Node modules: no node:fs/net, no logger, no clock
 * (Date.now(), new Date() without an argument) and no randomness (Math.random()) — time and random
 * numbers come in as arguments, so every function here is deterministic and unit-tested by equality.
 * (Only the language's own globals are used: Date for UTC calendar arithmetic, TextEncoder/TextDecoder.)
 */
export * from './set-name.ts';
export * from './compression.ts';
export * from './dump-options.ts';
export * from './manifest.ts';
export * from './retry.ts';
export * from './retention.ts';
export * from './append-only-retention.ts';
export * from './bech32.ts';
export * from './restore-path.ts';
export * from './cron-shortcut.ts';
export * from './anomaly.ts';
