/**
 * What NocoDB's "Service data (read-only)" source shows staff: exactly these tables and
 * views of the service's database, the only ones its PostgreSQL reader role may SELECT
 * (issue 12). Everything else there (inbox jobs, cursors, Keto tuples, cached workbook
 * pages, prompts) is plumbing or private and stays out of NocoDB. A name that does not
 * exist (yet) is skipped. How each reads for staff, in Russian, and in which order: staff-texts.ts.
 */
export const STAFF_VIEWS: readonly string[] = [
  // deliveries and what could not be handled
  'inbox_event',
  'inbox_invalid',
  'ai_dead_letter',
  // points
  'points_totals',
  'points_days',
  'points_statement',
  'points_streaks',
  'points_group_totals',
  'points_parked',
  'points_alias_pending',
  // homework checks
  'ai_review_queue',
  'ai_budget_ledger',
  // account links waiting for a proof
  'identity_pending_links',
  // billing: subscriptions, grants and figures (the catalog itself is edited in NocoDB)
  'billing_subscriptions',
  'billing_grants',
  'billing_seat_packs',
  'billing_seat_assignments',
  'billing_grant_files',
  'billing_holders_today',
  'billing_moves_monthly',
  'billing_revenue_monthly',
  'billing_paid_months',
  'billing_balance',
  'billing_installments',
  'billing_orders',
  // Telegram chats: who is in, invited, asked to join, and each removal pass (dry run and outcome)
  'telegram_access_removals',
  'telegram_access_members',
  'telegram_access_invites',
  'telegram_access_join_requests',
  'billing_notices',
  // autoposts: what each post did in each chat
  'autopost_deliveries',
];
