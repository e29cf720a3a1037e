import { createPrivateKey, type KeyObject } from 'node:crypto';

/** PKCS#8 DER header for an ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A private key from a 32-byte seed, so tests sign with fixed keys and get fixed signatures. */
export function keyFromSeed(seedHex: string): KeyObject {
  const seed = Buffer.from(seedHex, 'hex');
  if (seed.length !== 32) throw new Error('seed must be 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/** A fixed key per name: the seed is the name's bytes padded with zeros. */
export function keyNamed(name: string): KeyObject {
  return keyFromSeed(Buffer.from(name.padEnd(32, '\0').slice(0, 32), 'utf8').toString('hex'));
}
