export { CanonicalJsonError, canonicalJson, canonicalJsonBytes } from './canonical-json.ts';
export {
  type Ed25519KeyPair,
  type Ed25519Signer,
  ed25519PemCodec,
  exportPrivateKeyPem,
  exportPublicKey,
  generateKeyPair,
  importPrivateKeyPem,
  importPublicKey,
  isPublicKeyText,
  nodeIdFromPublicKey,
  type PublicKeyInput,
  publicKeyOf,
  signBytes,
  verifyBytes,
} from './ed25519.ts';
export { EMPTY_SHA256, isSha256Hex, sha256Hex } from './hash.ts';
export {
  REQUEST_SIGNATURE_HEADERS,
  REQUEST_SIGNATURE_SCHEME,
  type RequestToSign,
  signingString,
  signRequest,
  verifyRequest,
} from './signed-request.ts';
