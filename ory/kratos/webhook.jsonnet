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
// It does not forward request headers or cookies.
// The hook is called after the identity is saved (no response.parse), so it cannot
// refuse a registration; the development stand-in (ory/standin) sends the same body.
function(ctx) {
  identity: ctx.identity,
  flow_id: ctx.flow.id,
  flow_type: ctx.flow.type,
  method: if std.objectHas(ctx.flow, 'active') then ctx.flow.active else null,
}
