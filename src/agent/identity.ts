import type { KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  exportPrivateKeyPem,
  exportPublicKey,
  generateKeyPair,
  importPrivateKeyPem,
  nodeIdFromPublicKey,
  publicKeyOf,
} from '../core/crypto/index.ts';

export interface NodeIdentity {
  privateKey: KeyObject;
  /** The public key as registered with the coordinator (base64url of the raw 32 bytes). */
  publicKey: string;
  /** The node id derived from the public key, for operators who do not choose their own. */
  nodeId: string;
  /** Whether this call created the key (false: it was already there). */
  created: boolean;
  path: string;
}

/**
 * The node's ed25519 identity: loaded from `path`, or created there (PEM, mode 0600) when the
 * file does not exist. An existing key is never overwritten: losing it means the node can no
 * longer sign for itself, so the file is created with O_EXCL and a race with another process
 * ends with both using the one key that won.
 */
export async function loadOrCreateIdentity(path: string): Promise<NodeIdentity> {
  try {
    return await load(path, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPair();
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return load(path, false);
    throw error;
  }
  try {
    await file.writeFile(exportPrivateKeyPem(privateKey), 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  return load(path, true);
}

async function load(path: string, created: boolean): Promise<NodeIdentity> {
  const pem = await readFile(path, 'utf8');
  const mode = (await stat(path)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Error(`the node key ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = importPrivateKeyPem(pem);
  } catch (error) {
    throw new Error(`the node key ${path} is not an ed25519 private key in PEM: ${(error as Error).message}`);
  }
  const publicKey = exportPublicKey(publicKeyOf(privateKey));
  return { privateKey, publicKey, nodeId: nodeIdFromPublicKey(publicKey), created, path };
}
