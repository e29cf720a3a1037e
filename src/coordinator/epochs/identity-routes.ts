import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

/** The coordinator's public key, which verifies every settlement it signs. */
export function identityRoutes(app: FastifyInstance, { publicKey }: { publicKey: string }): void {
  app.get(
    '/coordinator/identity',
    {
      config: { access: 'public' },
      schema: {
        tags: ['epochs'],
        summary: 'The public key that signs this coordinator’s settlements',
        response: {
          200: Type.Object({
            public_key: Type.String({ description: 'base64url of the raw 32-byte ed25519 public key' }),
          }),
        },
      },
    },
    async () => ({ public_key: publicKey }),
  );
}
