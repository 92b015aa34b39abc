import { z } from 'zod';

/**
 * The one declaration of what Kratos sends us: the body of our web hooks
 * (ory/kratos/webhook.jsonnet), with the identity's traits as ory/kratos/identity.schema.json
 * declares them. test/ory/identity-schema.test.ts holds the traits below and the JSON schema
 * to the same fields, types and limits; change both together.
 */

/** identity.schema.json's `time_zone` pattern: an IANA zone name such as Europe/Moscow, or UTC. */
const TIME_ZONE_PATTERN = /^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/;

/** The traits of identity.schema.json (additionalProperties false there, strict here). */
export const kratosTraits = z.strictObject({
  // Kratos checks the e-mail format; repeating it here could refuse what Kratos accepted.
  email: z.string().min(3).max(320),
  name: z.strictObject({ first: z.string().max(100).optional(), last: z.string().max(100).optional() }).optional(),
  telegram: z.strictObject({
    id: z.number().int().min(1).optional(),
    username: z.string().regex(/^[A-Za-z0-9_]{4,32}$/).optional(),
  }).optional(),
  locale: z.enum(['ru', 'en']).optional(),
  jurisdiction: z.enum(['ru', 'world']).optional(),
  time_zone: z.string().max(64).regex(TIME_ZONE_PATTERN).optional(),
});
export type KratosTraits = z.infer<typeof kratosTraits>;

/**
 * An address Kratos verifies (identity.verifiable_addresses[]): `verified` turns true only
 * when its owner entered the code or followed the link Kratos sent there (or recovered the
 * account through it).
 */
export const kratosVerifiableAddress = z.looseObject({ value: z.string(), verified: z.boolean(), via: z.string().optional() });

/**
 * The e-mail addresses of an identity its owner has proven, lower-cased: the only e-mails
 * an external account or a school's grant may be attached through (issue 12). A malformed
 * list proves nothing.
 */
export function verifiedEmails(identity: { verifiable_addresses?: unknown }): Set<string> {
  const list = z.array(kratosVerifiableAddress).safeParse(identity.verifiable_addresses ?? []);
  if (!list.success) return new Set();
  return new Set(list.data.filter((a) => a.verified && (a.via ?? 'email') === 'email').map((a) => a.value.trim().toLowerCase()));
}

/** An identity as Kratos puts it in a web hook body (metadata_admin never: kratos#3894). */
export const kratosIdentity = z.looseObject({
  id: z.uuid(),
  schema_id: z.string().optional(),
  state: z.string().optional(),
  traits: kratosTraits,
  verifiable_addresses: z.array(kratosVerifiableAddress).optional().catch(undefined),
  metadata_public: z.unknown().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});

/** A hint the person's browser may send; a malformed one is dropped, not the registration. */
const hint = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

/**
 * What our registration form passes through Kratos to the web hooks: the flow's
 * `transient_payload` (kratos-api.json updateRegistrationFlowWith*Method), which Kratos
 * never stores. Only these keys are kept; anything else the client sent is dropped.
 */
export const kratosTransientPayload = z.object({
  /** An ambassador's referral code (extensions/points/referrals.ts). */
  referral_code: hint(z.string().trim().min(1).max(64)),
  /** The person's user name in the club (Discourse), to claim activity posted before registering. */
  discourse_username: hint(z.string().trim().min(1).max(60)),
});
export type KratosTransientPayload = z.infer<typeof kratosTransientPayload>;

/** The body webhook.jsonnet renders, for registration and settings alike. */
export const kratosWebhook = z.looseObject({
  identity: kratosIdentity,
  flow_id: z.string().optional(),
  flow_type: z.enum(['api', 'browser']).optional(),
  method: z.string().nullish(),
  transient_payload: kratosTransientPayload.nullish().catch(undefined),
});
export type KratosWebhook = z.infer<typeof kratosWebhook>;
