/** Uploads one file with basic-ftp (the benchmark's reference library; a dev dependency of bench/ only). */
import { Client } from 'basic-ftp';
import { readFileSync } from 'node:fs';

const [host, port, user, caFile, local, remote] = process.argv.slice(2);
const client = new Client(0);
try {
  await client.access({
    host: host!,
    port: Number(port),
    user: user!,
    password: process.env.FTPS_PASSWORD!,
    secure: true,
    secureOptions: { ca: readFileSync(caFile!), host: host!, servername: 'localhost' },
  });
  await client.uploadFrom(local!, remote!);
} catch (err) {
  console.error(String(err));
  process.exitCode = 1;
} finally {
  client.close();
}
