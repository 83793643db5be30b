import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure, fast, no network or child processes) and `integration` (real servers
// started by test/harness). `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // Two cores: one test file at a time keeps the servers' timing realistic.
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
});
