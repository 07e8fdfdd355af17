-- A year's KPIs read half a million case rows by date: from the heap,
-- 410 ms of a 1.7 s answer. This index holds the columns the KPIs read
-- (crate::store::cases::KPI_COLUMNS), so the read is an index-only scan
-- (180 ms) once autovacuum has set the visibility map.
CREATE INDEX cases_kpi ON cases (county, reported_at)
  INCLUDE (id, grid_code, category, source, reported_level, level, status, since, dispatched_at, closed_at,
           accepted_at, dispatch_level, last_satisfaction, last_at);
