-- wangge's layers as GeoPackage feature tables, each with an R-tree index
-- kept by the triggers of the GeoPackage 1.3 R-tree extension (F.3).

CREATE TABLE admin (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, level TEXT NOT NULL CHECK (level IN ('county','town','village')), parent_code TEXT, population REAL,
  geom MULTIPOLYGON NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('admin', 'features', 'admin', 'Administrative units: towns (乡镇/街道) and villages/communities (村/社区)', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('admin', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('admin', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_admin_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_admin_geom_insert AFTER INSERT ON admin WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_admin_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_admin_geom_update1 AFTER UPDATE OF geom ON admin WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_admin_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_admin_geom_update2 AFTER UPDATE OF geom ON admin WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_admin_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_admin_geom_update3 AFTER UPDATE ON admin WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_admin_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_admin_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_admin_geom_update4 AFTER UPDATE ON admin WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_admin_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_admin_geom_delete AFTER DELETE ON admin WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_admin_geom WHERE id = OLD.fid;
END;

CREATE TABLE buildings (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  kind TEXT NOT NULL, levels REAL, height REAL, population REAL, households REAL, population_source TEXT,
  geom MULTIPOLYGON NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('buildings', 'features', 'buildings', 'Buildings with residents and households', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('buildings', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('buildings', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_buildings_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_buildings_geom_insert AFTER INSERT ON buildings WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_buildings_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_buildings_geom_update1 AFTER UPDATE OF geom ON buildings WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_buildings_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_buildings_geom_update2 AFTER UPDATE OF geom ON buildings WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_buildings_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_buildings_geom_update3 AFTER UPDATE ON buildings WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_buildings_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_buildings_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_buildings_geom_update4 AFTER UPDATE ON buildings WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_buildings_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_buildings_geom_delete AFTER DELETE ON buildings WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_buildings_geom WHERE id = OLD.fid;
END;

CREATE TABLE roads (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  class TEXT NOT NULL, highway TEXT NOT NULL, name TEXT,
  geom LINESTRING NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('roads', 'features', 'roads', 'Roads (OSM highway=*) with their class', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('roads', 'geom', 'LINESTRING', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('roads', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_roads_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_roads_geom_insert AFTER INSERT ON roads WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_roads_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_roads_geom_update1 AFTER UPDATE OF geom ON roads WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_roads_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_roads_geom_update2 AFTER UPDATE OF geom ON roads WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_roads_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_roads_geom_update3 AFTER UPDATE ON roads WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_roads_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_roads_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_roads_geom_update4 AFTER UPDATE ON roads WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_roads_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_roads_geom_delete AFTER DELETE ON roads WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_roads_geom WHERE id = OLD.fid;
END;

CREATE TABLE railways (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  kind TEXT NOT NULL, name TEXT,
  geom LINESTRING NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('railways', 'features', 'railways', 'Railways', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('railways', 'geom', 'LINESTRING', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('railways', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_railways_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_railways_geom_insert AFTER INSERT ON railways WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_railways_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_railways_geom_update1 AFTER UPDATE OF geom ON railways WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_railways_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_railways_geom_update2 AFTER UPDATE OF geom ON railways WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_railways_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_railways_geom_update3 AFTER UPDATE ON railways WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_railways_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_railways_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_railways_geom_update4 AFTER UPDATE ON railways WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_railways_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_railways_geom_delete AFTER DELETE ON railways WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_railways_geom WHERE id = OLD.fid;
END;

CREATE TABLE waterways (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  kind TEXT NOT NULL, name TEXT,
  geom LINESTRING NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('waterways', 'features', 'waterways', 'Rivers, streams and canals (centre lines)', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('waterways', 'geom', 'LINESTRING', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('waterways', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_waterways_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_waterways_geom_insert AFTER INSERT ON waterways WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_waterways_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_waterways_geom_update1 AFTER UPDATE OF geom ON waterways WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_waterways_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_waterways_geom_update2 AFTER UPDATE OF geom ON waterways WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_waterways_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_waterways_geom_update3 AFTER UPDATE ON waterways WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_waterways_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_waterways_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_waterways_geom_update4 AFTER UPDATE ON waterways WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_waterways_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_waterways_geom_delete AFTER DELETE ON waterways WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_waterways_geom WHERE id = OLD.fid;
END;

CREATE TABLE water (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  kind TEXT NOT NULL, name TEXT,
  geom MULTIPOLYGON NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('water', 'features', 'water', 'Water areas', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('water', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('water', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_water_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_water_geom_insert AFTER INSERT ON water WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_water_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_water_geom_update1 AFTER UPDATE OF geom ON water WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_water_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_water_geom_update2 AFTER UPDATE OF geom ON water WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_water_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_water_geom_update3 AFTER UPDATE ON water WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_water_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_water_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_water_geom_update4 AFTER UPDATE ON water WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_water_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_water_geom_delete AFTER DELETE ON water WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_water_geom WHERE id = OLD.fid;
END;

CREATE TABLE sites (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  kind TEXT NOT NULL, name TEXT,
  geom MULTIPOLYGON NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('sites', 'features', 'sites', 'Special sites that may become dedicated grids (专属网格)', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('sites', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('sites', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_sites_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_sites_geom_insert AFTER INSERT ON sites WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_sites_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_sites_geom_update1 AFTER UPDATE OF geom ON sites WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_sites_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_sites_geom_update2 AFTER UPDATE OF geom ON sites WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_sites_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_sites_geom_update3 AFTER UPDATE ON sites WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_sites_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_sites_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_sites_geom_update4 AFTER UPDATE ON sites WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_sites_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_sites_geom_delete AFTER DELETE ON sites WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_sites_geom WHERE id = OLD.fid;
END;

CREATE TABLE landuse (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  source_id TEXT NOT NULL,
  class TEXT NOT NULL, name TEXT,
  geom MULTIPOLYGON NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('landuse', 'features', 'landuse', 'Land use and land cover', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('landuse', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('landuse', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_landuse_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_landuse_geom_insert AFTER INSERT ON landuse WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_landuse_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_landuse_geom_update1 AFTER UPDATE OF geom ON landuse WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_landuse_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_landuse_geom_update2 AFTER UPDATE OF geom ON landuse WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_landuse_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_landuse_geom_update3 AFTER UPDATE ON landuse WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_landuse_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_landuse_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_landuse_geom_update4 AFTER UPDATE ON landuse WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_landuse_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_landuse_geom_delete AFTER DELETE ON landuse WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_landuse_geom WHERE id = OLD.fid;
END;

-- Attribute tables (registered so GIS tools list them).
CREATE TABLE wangge_imports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  inputs TEXT NOT NULL,
  layers TEXT NOT NULL,
  report TEXT NOT NULL,
  population TEXT
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('wangge_imports', 'attributes', 'wangge_imports', 'One row per import: inputs, per-layer counts, issues (JSON)');

CREATE TABLE wangge_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('wangge_meta', 'attributes', 'wangge_meta', 'Store settings: county code, household size, schema notes');
