import type { KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  exportPrivateKeyPem,
  exportPublicKey,
  generateKeyPair,
  importPrivateKeyPem,
  publicKeyOf,
} from '../core/crypto/index.ts';

export interface KeyFile {
  privateKey: KeyObject;
  /** The public key's text form (base64url of the raw 32 bytes). */
  publicKey: string;
  /** Whether this call created the key (false: it was already there). */
  created: boolean;
  path: string;
}

/**
 * An ed25519 key kept on disk: loaded from `path`, or created there (PEM, mode 0600) when the
 * file does not exist. An existing key is never overwritten: losing it means its owner can no
 * longer sign, so the file is created with O_EXCL and a race with another process ends with
 * both using the one key that won. `label` names the key in error messages ("node key").
 */
export async function loadOrCreateKeyFile(path: string, label: string): Promise<KeyFile> {
  try {
    return await load(path, label, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPair();
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return load(path, label, false);
    throw error;
  }
  try {
    await file.writeFile(exportPrivateKeyPem(privateKey), 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  return load(path, label, true);
}

async function load(path: string, label: string, created: boolean): Promise<KeyFile> {
  const pem = await readFile(path, 'utf8');
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`the ${label} ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = importPrivateKeyPem(pem);
  } catch (error) {
    throw new Error(`the ${label} ${path} is not an ed25519 private key in PEM: ${(error as Error).message}`);
  }
  return { privateKey, publicKey: exportPublicKey(publicKeyOf(privateKey)), created, path };
}
