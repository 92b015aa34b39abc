import { z } from 'zod';

/** What our Kratos web hooks send (ory/kratos/webhook.jsonnet): the identity after the flow. */
export const kratosIdentity = z.looseObject({
  id: z.uuid(),
  schema_id: z.string().optional(),
  state: z.string().optional(),
  traits: z.looseObject({ email: z.string().optional() }),
  metadata_public: z.unknown().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});

export const kratosWebhook = z.looseObject({
  identity: kratosIdentity,
  flow_id: z.string().optional(),
});
export type KratosWebhook = z.infer<typeof kratosWebhook>;
