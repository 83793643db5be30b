/**
 * src/domain — pure rules: set and object names, the manifest, retry delays (and retention). Imports
 * nothing: no node:fs/net, no logger, no clock, no randomness — time and randomness come in as arguments.
 */
export * from './set-name.ts';
export * from './manifest.ts';
export * from './retry.ts';
