/** Writes docs/configuration.md from the zod schema (src/config). A unit test fails when it is out of date. */
import { writeFileSync } from 'node:fs';
import { describeSchema } from '../src/config/index.ts';

export const HEADER =
  '# Configuration reference\n\nGenerated from the schema in `src/config/schema.ts` by `node scripts/gen-config-docs.ts`; do not edit by hand.\n\n';

if (import.meta.main) {
  writeFileSync(new URL('../docs/configuration.md', import.meta.url), HEADER + describeSchema());
}
