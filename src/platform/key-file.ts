import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** How a key is written to and read from its file; the caller owns the cryptography. */
export interface KeyCodec<K> {
  /** A fresh key as the text to store (a PEM, say). */
  generate(): string;
  /** The stored text back as a key; throws an Error saying what is wrong with it. */
  parse(text: string): K;
}

export interface KeyFile<K> {
  key: K;
  /** Whether this call created the file (false: it was already there). */
  created: boolean;
  path: string;
}

/**
 * A private key kept on disk: loaded from `path`, or created there (mode 0600, in a 0700
 * folder) when the file does not exist. An existing key is never overwritten: losing it means
 * its owner can no longer sign, so the file is created with O_EXCL and a race with another
 * process ends with both using the one key that won. `label` names the key in error messages
 * ("node key"). A file others can read is refused: a leaked private key cannot be taken back.
 */
export async function loadOrCreateKeyFile<K>(
  path: string,
  label: string,
  codec: KeyCodec<K>,
): Promise<KeyFile<K>> {
  try {
    return await load(path, label, codec, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const text = codec.generate();
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return load(path, label, codec, false);
    throw error;
  }
  try {
    await file.writeFile(text, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  return load(path, label, codec, true);
}

async function load<K>(
  path: string,
  label: string,
  codec: KeyCodec<K>,
  created: boolean,
): Promise<KeyFile<K>> {
  const text = await readFile(path, 'utf8');
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`the ${label} ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  try {
    return { key: codec.parse(text), created, path };
  } catch (error) {
    throw new Error(`the ${label} ${path} ${(error as Error).message}`);
  }
}
