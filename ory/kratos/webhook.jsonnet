// Body of every web_hook our Kratos calls (kratos.yml: after registration for the
// password, code and oidc methods, and after a settings change of the profile).
//
// It sends:
//   identity   the identity as Kratos saved it: id, schema_id, state, traits,
//              verifiable_addresses, recovery_addresses, metadata_public, created_at,
//              updated_at. Kratos leaves metadata_admin out of this context
//              (kratos#3894), so roles are never in a hook body.
//   flow_id    the self-service flow's id: our service de-duplicates deliveries by
//              (hook URL, flow_id), since Kratos may retry.
//   flow_type  "api" (native apps, the stand-in) or "browser".
//   method     the method that completed the flow: "password", "code", "oidc" or
//              "profile"; null when Kratos does not say.
//   transient_payload
//              what the form submitted beside the traits as `transient_payload`
//              (updateRegistrationFlowWith*Method in kratos-api.json), which Kratos
//              keeps on the flow for its hooks and never stores: our registration form
//              sends `referral_code` and `discourse_username` there
//              (schemas/events/kratos.ts). {} when the form sent none.
// It does not forward request headers or cookies.
// The hook is called after the identity is saved (no response.parse), so it cannot
// refuse a registration; the development stand-in (ory/standin) sends the same body.
function(ctx) {
  identity: ctx.identity,
  flow_id: ctx.flow.id,
  flow_type: ctx.flow.type,
  method: if std.objectHas(ctx.flow, 'active') then ctx.flow.active else null,
  transient_payload: if std.objectHas(ctx.flow, 'transient_payload') && std.isObject(ctx.flow.transient_payload)
  then ctx.flow.transient_payload
  else {},
}
