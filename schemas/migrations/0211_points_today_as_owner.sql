-- NocoDB reads the points views as a reader that may SELECT the views alone (issue 12):
-- the school's date comes from points_setting, which that reader may not read, so the
-- function runs with its owner's rights (its search path pinned, as a definer function must).
alter function points_school_today() security definer set search_path = public, pg_temp;
