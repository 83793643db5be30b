/** `npm run bench -- <name>`: runs one benchmark (default: all). Benchmarks print; they never assert. */
import { benchUpload } from './upload.ts';
import { benchBackup } from './backup.ts';
import { benchSets } from './sets.ts';
import { benchSmallFiles } from './small-files.ts';

const benches: Record<string, () => Promise<void>> = {
  upload: benchUpload,
  backup: benchBackup,
  sets: benchSets,
  'small-files': benchSmallFiles,
};
const wanted = process.argv.slice(2);
for (const name of wanted.length > 0 ? wanted : Object.keys(benches)) {
  const fn = benches[name];
  if (fn === undefined) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
    process.exitCode = 2;
    break;
  }
  await fn();
}
