const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes unpadded base64url, or returns null. Node's decoder skips characters it does not
 * know, so two different texts could name the same key or signature; only the one
 * canonical spelling is accepted here.
 */
export function decodeBase64url(text: string, expectedBytes?: number): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  if (expectedBytes !== undefined && bytes.length !== expectedBytes) return null;
  return bytes.toString('base64url') === text ? bytes : null;
}
