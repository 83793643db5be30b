/**
 * The real `age` and `age-keygen` tools, for checking our age implementation against them. `age -p`
 * reads its passphrase from a terminal only: script(1) gives it a pseudo-terminal and its stdin is typed
 * into it (the passphrase never appears in argv).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs age-keygen into `dir/name`; returns the file and its public key. */
export function ageKeygen(dir: string, name: string): { file: string; recipient: string } {
  const file = join(dir, name);
  execFileSync('age-keygen', ['-o', file], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', file]).toString().trim();
  return { file, recipient };
}

/** `age -d -i <identity> <file>` → plaintext. */
export function ageDecrypt(identityFile: string, file: string): Buffer {
  return execFileSync('age', ['-d', '-i', identityFile, file], { maxBuffer: 1 << 30 });
}

/** `age -e <args…> -o <out> <in>`. */
export function ageEncrypt(args: string[], input: string, output: string): void {
  execFileSync('age', ['-e', ...args, '-o', output, input]);
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** Runs `age <args>` under script(1), typing `typed` into its terminal. */
function ageWithTerminal(args: string[], typed: string): Promise<void> {
  const command = ['age', ...args].map(shellQuote).join(' ');
  return new Promise((resolve, reject) => {
    const child = execFile('script', ['-qec', command, '/dev/null'], (err, _stdout, stderr) =>
      err === null ? resolve() : reject(new Error(`age ${args.join(' ')} failed: ${stderr}`, { cause: err })),
    );
    child.stdin?.end(typed);
  });
}

/** `age -p`: encrypts `input` with `passphrase` (typed twice, as age asks to confirm it). */
export function agePassphraseEncrypt(input: string, output: string, passphrase: string): Promise<void> {
  return ageWithTerminal(['-p', '-o', output, input], `${passphrase}\n${passphrase}\n`);
}

/** `age -d` of a passphrase-encrypted file; returns the plaintext. */
export async function agePassphraseDecrypt(
  file: string,
  output: string,
  passphrase: string,
): Promise<Buffer> {
  await ageWithTerminal(['-d', '-o', output, file], `${passphrase}\n`);
  // age opens -o lazily, at the first plaintext byte: a successful empty decryption leaves no file
  return existsSync(output) ? readFileSync(output) : Buffer.alloc(0);
}

export function writeText(file: string, text: string): string {
  writeFileSync(file, text);
  return file;
}
