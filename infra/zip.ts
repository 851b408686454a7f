// Deterministic zip archives for the Lambda artifacts: the same files give the same bytes
// (fixed timestamps and modes, sorted entries), so `osls deploy` sees an unchanged function as
// unchanged and skips uploading it.

import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

// Built from local fields and written as a DOS timestamp only, so the bytes do not depend on
// the time zone of the machine that builds.
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);
const FILE_MODE = 0o100644;

/** Zips `files` (paths relative to `baseDir`, stored under those names) into `zipPath`. */
export async function writeZip(zipPath: string, baseDir: string, files: string[]): Promise<void> {
  const zip = new ZipFile();
  for (const name of [...files].sort()) {
    zip.addBuffer(await readFile(join(baseDir, name)), name, {
      mtime: FIXED_MTIME,
      mode: FILE_MODE,
      forceDosTimestamp: true,
      compressionLevel: 9,
    });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(zipPath));
}
