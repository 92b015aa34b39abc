-- Payments (issue 14, YooKassa): what the provider was asked when the attempt started
-- (PayRequest as JSON). YooKassa and Stripe answer a repeat of the same idempotency key only
-- when the body is the same too, so the reconciliation pass repeats an unanswered creation
-- from this, never from values that may have changed since (the plan's title).
alter table billing_attempt add column request jsonb;
