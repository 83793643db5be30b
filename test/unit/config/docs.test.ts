import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeSchema } from '../../../src/config/index.ts';
import { HEADER } from '../../../scripts/gen-config-docs.ts';

describe('docs/configuration.md', () => {
  it('is what the schema generates (run `node scripts/gen-config-docs.ts` after changing the schema)', () => {
    const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toBe(HEADER + describeSchema());
  });
});
