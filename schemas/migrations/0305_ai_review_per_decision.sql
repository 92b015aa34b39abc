-- AI check (issue 10): a check may be reviewed more than once (a student disputes the
-- verdict a mentor gave), but never has two reviews open at the same time.
drop index ai_review_one_open_idx;
create unique index ai_review_one_pending_idx on ai_review (check_id) where status = 'pending';
-- A dispute is one per check and wording: the same objection again is no second review.
create unique index ai_review_dispute_once_idx on ai_review (check_id, md5(note)) where kind = 'dispute';
