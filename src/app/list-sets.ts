/** listSets: a job's sets on its store, newest first — complete when manifest.json is there. */
import { MANIFEST_NAME, PARTIAL_SUFFIX, parseSetName, setsFolder } from '../domain/index.ts';
import type { StoreFactory } from '../storage/types.ts';

export interface SetInfo {
  name: string;
  time: Date;
  complete: boolean;
  objects: number;
  bytes: number;
}

export async function listSets(stores: StoreFactory, root: string, job: string): Promise<SetInfo[]> {
  const store = await stores.open();
  try {
    const jobDir = setsFolder(root, job);
    const out: SetInfo[] = [];
    for (const entry of await store.list(jobDir)) {
      const time = entry.type === 'dir' ? parseSetName(entry.name) : undefined;
      if (time === undefined) continue; // foreign files and folders are not ours
      const inside = await store.listSmall(`${jobDir}/${entry.name}`);
      const files = inside.filter((e) => e.type === 'file');
      out.push({
        name: entry.name,
        time,
        complete: files.some((f) => f.name === MANIFEST_NAME),
        objects: files.filter((f) => f.name !== MANIFEST_NAME && !f.name.endsWith(PARTIAL_SUFFIX)).length,
        bytes: files.reduce((n, f) => n + (f.size ?? 0), 0),
      });
    }
    return out.sort((a, b) => b.time.getTime() - a.time.getTime());
  } finally {
    await store.close();
  }
}
