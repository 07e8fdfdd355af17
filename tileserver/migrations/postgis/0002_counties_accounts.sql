-- Several counties in one database, and accounts: the same as the
-- GeoPackage store's 0004 migration. `county` leads the layer and plan
-- tables' keys so a Citus deployment can distribute them by county.
CREATE TABLE counties (
  code text PRIMARY KEY CHECK (length(code) = 6),
  name text NOT NULL DEFAULT '',
  household_size double precision,
  imported_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);
ALTER TABLE admin ADD COLUMN county text NOT NULL DEFAULT '';
UPDATE admin SET county = substr(code, 1, 6);
INSERT INTO counties (code, name, household_size)
  SELECT c, coalesce((SELECT value FROM wangge_meta WHERE key = 'county_name'), ''),
         (SELECT value::double precision FROM wangge_meta WHERE key = 'household_size')
  FROM (SELECT coalesce((SELECT value FROM wangge_meta WHERE key = 'county'), (SELECT min(county) FROM admin)) AS c) s
  WHERE c IS NOT NULL;
ALTER TABLE buildings ADD COLUMN county text NOT NULL DEFAULT '';
ALTER TABLE roads ADD COLUMN county text NOT NULL DEFAULT '';
ALTER TABLE railways ADD COLUMN county text NOT NULL DEFAULT '';
ALTER TABLE waterways ADD COLUMN county text NOT NULL DEFAULT '';
ALTER TABLE water ADD COLUMN county text NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN county text NOT NULL DEFAULT '';
ALTER TABLE landuse ADD COLUMN county text NOT NULL DEFAULT '';
UPDATE buildings SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE roads SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE railways SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE waterways SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE water SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE sites SET county = coalesce((SELECT min(code) FROM counties), '999999');
UPDATE landuse SET county = coalesce((SELECT min(code) FROM counties), '999999');
CREATE INDEX admin_county ON admin (county);
CREATE INDEX buildings_county ON buildings (county);
CREATE INDEX roads_county ON roads (county);
CREATE INDEX railways_county ON railways (county);
CREATE INDEX waterways_county ON waterways (county);
CREATE INDEX water_county ON water (county);
CREATE INDEX sites_county ON sites (county);
CREATE INDEX landuse_county ON landuse (county);

ALTER TABLE plans ADD COLUMN county text NOT NULL DEFAULT '';
UPDATE plans SET county = coalesce(
  (SELECT substr(min(code), 1, 6) FROM grids g WHERE g.plan_id = plans.id),
  (SELECT min(code) FROM counties), '999999');
DROP INDEX plans_one_active;
CREATE UNIQUE INDEX plans_one_active ON plans (county) WHERE active;
CREATE INDEX plans_county ON plans (county);
ALTER TABLE grids ADD COLUMN county text NOT NULL DEFAULT '';
UPDATE grids SET county = substr(code, 1, 6);
ALTER TABLE blocks ADD COLUMN county text NOT NULL DEFAULT '';
UPDATE blocks SET county = substr(village_code, 1, 6);

CREATE TABLE users (
  id bigserial PRIMARY KEY,
  name text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  role text NOT NULL,
  scope text NOT NULL DEFAULT '',
  disabled boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL
);
CREATE TABLE tokens (
  id bigserial PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  name text NOT NULL DEFAULT '',
  role text NOT NULL,
  scope text NOT NULL DEFAULT '',
  user_id bigint REFERENCES users (id) ON DELETE CASCADE,
  worker_id text,
  created_at bigint NOT NULL,
  expires_at bigint,
  revoked_at bigint
);
CREATE TABLE sessions (
  id bigserial PRIMARY KEY,
  hash text NOT NULL UNIQUE,
  csrf text NOT NULL,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL,
  revoked_at bigint
);
CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at bigint NOT NULL,
  actor text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  target text NOT NULL DEFAULT '',
  address text NOT NULL DEFAULT '',
  outcome text NOT NULL,
  status bigint,
  county text NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
INSERT INTO wangge_meta (key, value) VALUES ('auth_version', '0') ON CONFLICT (key) DO NOTHING;
