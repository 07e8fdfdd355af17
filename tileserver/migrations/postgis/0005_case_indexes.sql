-- (As the GeoPackage store's 0007.) Indexes that answer a page of cases from an area, status or category
-- newest first without sorting the area's whole history (a million cases).
DROP INDEX IF EXISTS cases_county_status;
DROP INDEX IF EXISTS cases_grid;
CREATE INDEX cases_county_status ON cases(county, status, reported_at);
CREATE INDEX cases_county_category ON cases(county, category, reported_at);
CREATE INDEX cases_grid ON cases(grid_code, reported_at);
CREATE INDEX cases_village ON cases(village_code, reported_at);
CREATE INDEX cases_town ON cases(town_code, reported_at);
-- Open cases by how long their stage has run: the overdue list and escalation.
CREATE INDEX cases_open_since ON cases(county, level, since) WHERE status IN ('reported', 'accepted', 'dispatched', 'handled', 'verified', 'reopened');
