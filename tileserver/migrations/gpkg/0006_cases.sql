-- Cases (民情工单) and their events. A case's columns are what its events,
-- applied in order, leave; `events` counts them, so a transition applies
-- only to the state it was checked against (a concurrent one gets 409).
-- Times are Unix milliseconds (UTC).
CREATE TABLE cases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  county TEXT NOT NULL CHECK (length(county) = 6),
  reported_at INTEGER NOT NULL,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  grid_code TEXT NOT NULL DEFAULT '',
  village_code TEXT NOT NULL DEFAULT '',
  town_code TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL CHECK (source IN ('worker', 'hotline', 'citizen', 'import')),
  reporter TEXT NOT NULL DEFAULT '',
  external_id TEXT,
  reported_level INTEGER NOT NULL CHECK (reported_level BETWEEN 1 AND 4),
  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
  status TEXT NOT NULL,
  since INTEGER NOT NULL,
  dispatched_at INTEGER,
  closed_at INTEGER,
  satisfaction TEXT,
  escalations INTEGER NOT NULL DEFAULT 0,
  reopened INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX cases_county_reported ON cases(county, reported_at);
CREATE INDEX cases_county_status ON cases(county, status);
CREATE INDEX cases_grid ON cases(grid_code);
CREATE UNIQUE INDEX cases_external ON cases(county, source, external_id) WHERE external_id IS NOT NULL;
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('cases', 'attributes', '民情工单', 'Cases (民情工单): location (lon, lat, WGS84), grid, category, source, level 1–4, status and its timestamps; history in case_events');

CREATE TABLE case_events (
  case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  level INTEGER NOT NULL,
  actor TEXT NOT NULL,
  by_name TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  unit TEXT,
  satisfaction TEXT,
  duplicate_of INTEGER,
  PRIMARY KEY (case_id, seq)
) WITHOUT ROWID;
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('case_events', 'attributes', '工单流转', 'Each change of a case: time, from and to status, level, who (actor, name), note, unit, satisfaction');
