-- Indexes that answer a page of cases from an area, status or category
-- newest first without sorting the area's whole history (a million cases).
-- The county leads each, as every list names it: a count then reads the
-- index alone.
DROP INDEX IF EXISTS cases_county_status;
DROP INDEX IF EXISTS cases_grid;
-- By date and by status, with the columns lists filter on after them, so
-- that a filtered page or count reads the index and not the rows. (The
-- narrow date index stays: in (date, id) order it feeds the KPI stream
-- without a sort.)
CREATE INDEX cases_county_dated ON cases(county, reported_at, level, status, category, source, town_code, village_code, grid_code);
CREATE INDEX cases_county_status ON cases(county, status, reported_at, level, category, source, town_code, village_code, grid_code);
CREATE INDEX cases_county_category ON cases(county, category, reported_at);
CREATE INDEX cases_county_source ON cases(county, source, reported_at);
CREATE INDEX cases_grid ON cases(county, grid_code, reported_at);
CREATE INDEX cases_village ON cases(county, village_code, reported_at);
CREATE INDEX cases_town ON cases(county, town_code, reported_at);
-- Open cases (a few in a hundred once the loop runs) with every column a
-- list filters on: open, overdue and escalation lists and their counts
-- read this small index alone. Lists of open statuses name the same IN
-- list, so that both stores see they may use it.
CREATE INDEX cases_open ON cases(county, reported_at, status, category, level, since, source, grid_code, village_code, town_code)
  WHERE status IN ('reported', 'accepted', 'dispatched', 'handled', 'verified', 'reopened');
