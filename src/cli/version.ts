import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** The version from package.json (works from src/ and from dist/, both two levels below the root). */
export const VERSION: string = pkg.version;
