// Maps Google's OpenID Connect claims to our identity traits on sign-up with Google.
// Only a verified Google e-mail becomes the identity's e-mail.
local claims = {
  email_verified: false,
} + std.extVar('claims');

{
  identity: {
    traits: {
      [if 'email' in claims && claims.email_verified then 'email' else null]: claims.email,
      name: {
        [if 'given_name' in claims then 'first' else null]: claims.given_name,
        [if 'family_name' in claims then 'last' else null]: claims.family_name,
      },
      [if 'locale' in claims && (claims.locale == 'ru' || claims.locale == 'en') then 'locale' else null]: claims.locale,
    },
  },
}
