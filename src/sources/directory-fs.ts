/**
 * The file-system seam of the directory source: the few synchronous calls its walker makes, and their
 * Node implementation. Tests replace some of them to simulate what a real tree cannot show on demand
 * (a file changing between lstat and read, a permission error while running as root).
 */
import fs, { constants as fsConstants, type Stats } from 'node:fs';

/** The file metadata the walker reads. */
export type EntryStats = Pick<
  Stats,
  | 'isFile'
  | 'isDirectory'
  | 'isSymbolicLink'
  | 'isFIFO'
  | 'isSocket'
  | 'isBlockDevice'
  | 'isCharacterDevice'
  | 'mode'
  | 'uid'
  | 'gid'
  | 'size'
  | 'mtimeMs'
>;

/** An open file (synchronous, like fs.readSync/closeSync). */
export interface ReadableFile {
  /** Bytes read into `buffer` at `offset`; 0 at the end of the file. */
  read(buffer: Buffer, offset: number, length: number, position: number): number;
  close(): void;
}

/**
 * The file-system calls of the walker, synchronous like GNU tar's (see the header): the seam for tests
 * (a file that changes between lstat and read, a permission error while running as root). Production
 * uses `nodeDirectoryFs`. Errors are thrown with a Node `code` ('EACCES', 'ENOENT', …).
 */
export interface DirectoryFs {
  /** Follows symlinks; used for the root folder only. */
  stat(path: string): EntryStats;
  lstat(path: string): EntryStats;
  /** Raw names (bytes), so that names which are not valid UTF-8 can be reported. */
  readdir(path: string): Buffer[];
  readlink(path: string): Buffer;
  /** Opens a regular file for reading, refusing to follow a symlink put in its place. */
  open(path: string): ReadableFile;
}

/** O_NONBLOCK: a FIFO swapped in after lstat must not block the walk; O_NOFOLLOW: nor a symlink. */
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

export const nodeDirectoryFs: DirectoryFs = {
  stat: (path) => fs.statSync(path),
  lstat: (path) => fs.lstatSync(path),
  readdir: (path) => fs.readdirSync(path, { encoding: 'buffer' }),
  readlink: (path) => fs.readlinkSync(path, { encoding: 'buffer' }),
  open: (path) => {
    const fd = fs.openSync(path, OPEN_FLAGS);
    let closed = false;
    return {
      read: (buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
      close: () => {
        if (closed) return;
        closed = true;
        fs.closeSync(fd);
      },
    };
  },
};
