// Reads vitest's JSON report (--reporter=json --outputFile.json=test-results/vitest.json) and prints a
// short verdict whose LAST line is exactly `N passed, N failed, N skipped`.
// Exit status: 0 when nothing failed and no integration test was skipped; 1 otherwise (failed tests,
// files that failed outside a test such as an import error or a failing beforeAll/afterAll, skipped
// integration tests, an empty run); 2 when the report is missing or unreadable.
// Usage: node scripts/test-summary.ts [path/to/vitest.json]
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface AssertionResult {
  fullName?: string;
  title?: string;
  status?: string;
  failureMessages?: string[];
}
interface FileResult {
  name?: string;
  status?: string;
  message?: string;
  assertionResults?: AssertionResult[];
}
export interface VitestJsonReport {
  success?: boolean;
  testResults?: FileResult[];
}

export interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  /** Failed tests, and files that failed outside any test, with the first line of the error. */
  failures: string[];
  skippedIntegration: string[];
  /** Printed lines; the last one is `N passed, N failed, N skipped`. */
  lines: string[];
  ok: boolean;
}

const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

function firstLine(text: string | undefined, fallback: string): string {
  return text?.split('\n').find((line) => line.trim() !== '') ?? fallback;
}

export function summarize(report: VitestJsonReport, cwd: string): Summary {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures: string[] = [];
  const skippedIntegration: string[] = [];

  for (const file of report.testResults ?? []) {
    const path = relative(cwd, file.name ?? '(unnamed file)');
    const isIntegration = `${sep}${path}`.includes(`${sep}test${sep}integration${sep}`);
    let failedHere = 0;
    for (const test of file.assertionResults ?? []) {
      const name = `${path} > ${test.fullName ?? test.title ?? '(unnamed test)'}`;
      const status = test.status ?? 'unknown';
      if (status === 'passed') {
        passed++;
      } else if (SKIPPED.has(status)) {
        skipped++;
        if (isIntegration) skippedIntegration.push(name);
      } else {
        failed++;
        failedHere++;
        failures.push(`${name}\n    ${firstLine(test.failureMessages?.[0], status)}`);
      }
    }
    // A file can fail without a failing test: import errors, a throwing beforeAll/afterAll.
    if (file.status === 'failed' && failedHere === 0) {
      failed++;
      const why = firstLine(
        file.message,
        'failed outside any test (no message in the report; see the vitest output)',
      );
      failures.push(`${path} (file)\n    ${why}`);
    }
  }

  const lines: string[] = [];
  let ok = failed === 0 && skippedIntegration.length === 0;
  if (failures.length > 0) {
    lines.push('', `FAILED (${failures.length}):`, ...failures.map((f) => `  ${f}`));
  }
  if (skippedIntegration.length > 0) {
    lines.push(
      '',
      `SKIPPED INTEGRATION TESTS (${skippedIntegration.length}), not allowed in CI:`,
      ...skippedIntegration.map((s) => `  ${s}`),
    );
  }
  if (passed + failed + skipped === 0) {
    lines.push('', 'No tests ran.');
    ok = false;
  }
  if (report.success === false && ok) {
    lines.push('', 'vitest reported success=false without a failed test (see its output above).');
    ok = false;
  }
  lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return { passed, failed, skipped, failures, skippedIntegration, lines, ok };
}

function main(): number {
  const reportPath = resolve(process.argv[2] ?? 'test-results/vitest.json');
  let report: VitestJsonReport;
  try {
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as VitestJsonReport;
  } catch (err) {
    console.error(
      `test-summary: cannot read ${reportPath}: ${err instanceof Error ? err.message : String(err)}`,
    );
    console.log('0 passed, 0 failed, 0 skipped');
    return 2;
  }
  const summary = summarize(report, process.cwd());
  for (const line of summary.lines) console.log(line);
  return summary.ok ? 0 : 1;
}

// Run only as a script (the unit test imports summarize()).
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
