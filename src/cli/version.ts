import pkg from '../../package.json' with { type: 'json' };

/** The version from package.json (read when built into the bundle, or at run time from the sources). */
export const VERSION: string = pkg.version;
