-- Grid workers and their GPS fixes. Positions are keyed by (worker, time):
-- a resent fix stores nothing twice. Times are Unix milliseconds (UTC).
-- The roster is an attributes table GIS staff can open; the fixes are bulk
-- data read through wangge (tracks and exports), so they are not listed.
CREATE TABLE workers (
  id TEXT PRIMARY KEY,
  county TEXT NOT NULL CHECK (length(county) = 6),
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('leader', 'full_time', 'part_time')),
  grids TEXT NOT NULL DEFAULT '',
  phone TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX workers_county ON workers(county);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('workers', 'attributes', '网格员', 'Grid workers (网格员): id, name, role (leader 网格长, full_time 专职, part_time 兼职), grid codes separated by ;');

CREATE TABLE positions (
  worker_id TEXT NOT NULL,
  t INTEGER NOT NULL,
  county TEXT NOT NULL,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  accuracy REAL,
  speed REAL,
  heading REAL,
  battery REAL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (worker_id, t)
) WITHOUT ROWID;
CREATE INDEX positions_county_t ON positions(county, t);

-- The latest fix of each worker, kept apart so the live map never scans
-- the history.
CREATE TABLE worker_latest (
  worker_id TEXT PRIMARY KEY,
  county TEXT NOT NULL,
  t INTEGER NOT NULL,
  lon REAL NOT NULL,
  lat REAL NOT NULL,
  accuracy REAL,
  speed REAL,
  heading REAL,
  battery REAL
);
