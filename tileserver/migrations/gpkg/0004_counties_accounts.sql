-- Several counties in one store: every layer, plan, grid and block row
-- carries its 6-digit county code, and each county has its own active plan.
-- Accounts, tokens, sessions and the audit log of every write.

CREATE TABLE counties (
  code TEXT PRIMARY KEY CHECK (length(code) = 6),
  name TEXT NOT NULL DEFAULT '',
  household_size REAL,
  imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('counties', 'attributes', 'counties', 'Counties (区县) held in this store: code, name, household size');

-- Existing stores held one county: the one their import named, else the
-- county part of their admin codes.
ALTER TABLE admin ADD COLUMN county TEXT NOT NULL DEFAULT '';
UPDATE admin SET county = substr(code, 1, 6);
INSERT INTO counties (code, name, household_size)
  SELECT c, coalesce((SELECT value FROM wangge_meta WHERE key = 'county_name'), ''),
         (SELECT CAST(value AS REAL) FROM wangge_meta WHERE key = 'household_size')
  FROM (SELECT coalesce((SELECT value FROM wangge_meta WHERE key = 'county'), (SELECT min(county) FROM admin)) AS c)
  WHERE c IS NOT NULL;

ALTER TABLE buildings ADD COLUMN county TEXT NOT NULL DEFAULT '';
ALTER TABLE roads ADD COLUMN county TEXT NOT NULL DEFAULT '';
ALTER TABLE railways ADD COLUMN county TEXT NOT NULL DEFAULT '';
ALTER TABLE waterways ADD COLUMN county TEXT NOT NULL DEFAULT '';
ALTER TABLE water ADD COLUMN county TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN county TEXT NOT NULL DEFAULT '';
ALTER TABLE landuse ADD COLUMN county TEXT NOT NULL DEFAULT '';
UPDATE buildings SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE roads SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE railways SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE waterways SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE water SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE sites SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE landuse SET county = coalesce((SELECT min(code) FROM counties), '999999');
CREATE INDEX admin_county ON admin(county);
CREATE INDEX buildings_county ON buildings(county);
CREATE INDEX roads_county ON roads(county);
CREATE INDEX railways_county ON railways(county);
CREATE INDEX waterways_county ON waterways(county);
CREATE INDEX water_county ON water(county);
CREATE INDEX sites_county ON sites(county);
CREATE INDEX landuse_county ON landuse(county);

ALTER TABLE plans ADD COLUMN county TEXT NOT NULL DEFAULT '';
UPDATE plans SET county = coalesce(
  (SELECT substr(min(code), 1, 6) FROM grids g WHERE g.plan_id = plans.id),
  (SELECT min(code) FROM counties), '999999');
DROP INDEX plans_one_active;
CREATE UNIQUE INDEX plans_one_active ON plans(county) WHERE active = 1;
CREATE INDEX plans_county ON plans(county);
ALTER TABLE grids ADD COLUMN county TEXT NOT NULL DEFAULT '';
UPDATE grids SET county = substr(code, 1, 6);
ALTER TABLE blocks ADD COLUMN county TEXT NOT NULL DEFAULT '';
UPDATE blocks SET county = substr(village_code, 1, 6);

-- Accounts are not registered in gpkg_contents: GIS tools have no business
-- listing them. Times are Unix seconds.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL
);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
  worker_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  hash TEXT NOT NULL UNIQUE,
  csrf TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  address TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  status INTEGER,
  county TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('audit', 'attributes', 'audit', 'Every write: who, role, when, what, from where, outcome');
-- Bumped by every change to users, tokens and sessions, so that running
-- servers reload their credentials (revocation within seconds).
INSERT INTO wangge_meta (key, value) VALUES ('auth_version', '0') ON CONFLICT(key) DO NOTHING;
