-- Identity: the per-workbook NocoDB shared views are gone (their public relation routes
-- ignore the view's filter, so one student's link read everyone's answers). Students open
-- the service's page /workbooks/<id> instead (extensions/identity/workbook-link.ts), so
-- the views' passwords are not kept any longer.
drop table if exists identity_private.workbook_share;
