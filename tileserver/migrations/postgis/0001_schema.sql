-- wangge's schema in PostGIS: the same tables and columns as the GeoPackage
-- store (migrations/gpkg), with PostGIS geometry columns and GiST indexes.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE admin (
  fid bigserial PRIMARY KEY,
  source_id text NOT NULL,
  code text NOT NULL UNIQUE, name text NOT NULL,
  level text NOT NULL CHECK (level IN ('county', 'town', 'village')),
  parent_code text, population double precision,
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE TABLE buildings (
  fid bigserial PRIMARY KEY,
  source_id text NOT NULL,
  kind text NOT NULL, levels double precision, height double precision,
  population double precision, households double precision, population_source text,
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE TABLE roads (
  fid bigserial PRIMARY KEY,
  source_id text NOT NULL,
  class text NOT NULL, highway text NOT NULL, name text,
  geom geometry(LineString, 4326) NOT NULL
);
CREATE TABLE railways (
  fid bigserial PRIMARY KEY, source_id text NOT NULL, kind text NOT NULL, name text,
  geom geometry(LineString, 4326) NOT NULL
);
CREATE TABLE waterways (
  fid bigserial PRIMARY KEY, source_id text NOT NULL, kind text NOT NULL, name text,
  geom geometry(LineString, 4326) NOT NULL
);
CREATE TABLE water (
  fid bigserial PRIMARY KEY, source_id text NOT NULL, kind text NOT NULL, name text,
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE TABLE sites (
  fid bigserial PRIMARY KEY, source_id text NOT NULL, kind text NOT NULL, name text,
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE TABLE landuse (
  fid bigserial PRIMARY KEY, source_id text NOT NULL, class text NOT NULL, name text,
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX admin_geom ON admin USING gist (geom);
CREATE INDEX buildings_geom ON buildings USING gist (geom);
CREATE INDEX roads_geom ON roads USING gist (geom);
CREATE INDEX railways_geom ON railways USING gist (geom);
CREATE INDEX waterways_geom ON waterways USING gist (geom);
CREATE INDEX water_geom ON water USING gist (geom);
CREATE INDEX sites_geom ON sites USING gist (geom);
CREATE INDEX landuse_geom ON landuse USING gist (geom);

-- What gpkg_contents records in the GeoPackage: per layer, extent and last change.
CREATE TABLE wangge_contents (
  table_name text PRIMARY KEY,
  last_change text NOT NULL,
  min_x double precision, min_y double precision, max_x double precision, max_y double precision
);

CREATE TABLE wangge_imports (
  id bigserial PRIMARY KEY,
  finished_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  inputs text NOT NULL, layers text NOT NULL, report text NOT NULL, population text
);
CREATE TABLE wangge_meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE plans (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  created_at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  active boolean NOT NULL DEFAULT false,
  parent_id bigint REFERENCES plans (id) ON DELETE SET NULL,
  params text NOT NULL,
  report text NOT NULL
);
CREATE UNIQUE INDEX plans_one_active ON plans (active) WHERE active;

CREATE TABLE grids (
  fid bigserial PRIMARY KEY,
  plan_id bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  level text NOT NULL CHECK (level IN ('grid', 'cell')),
  code text NOT NULL, name text NOT NULL,
  village_code text NOT NULL, village_name text NOT NULL,
  town_code text NOT NULL, town_name text NOT NULL,
  population double precision NOT NULL, households double precision NOT NULL,
  buildings bigint NOT NULL, area_m2 double precision NOT NULL,
  perimeter_m double precision NOT NULL, polsby_popper double precision NOT NULL,
  dedicated text, in_band boolean, parent_code text,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  UNIQUE (plan_id, code)
);
CREATE INDEX grids_plan ON grids (plan_id, level);
CREATE INDEX grids_geom ON grids USING gist (geom);

CREATE TABLE blocks (
  fid bigserial PRIMARY KEY,
  plan_id bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
  block_id bigint NOT NULL,
  village_code text NOT NULL, grid_code text,
  population double precision NOT NULL, households double precision NOT NULL,
  buildings bigint NOT NULL, area_m2 double precision NOT NULL, dedicated text,
  geom geometry(MultiPolygon, 4326) NOT NULL,
  UNIQUE (plan_id, block_id)
);
CREATE INDEX blocks_geom ON blocks USING gist (geom);
