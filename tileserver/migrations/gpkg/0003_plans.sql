-- Plans: versioned sets of grids (and unit cells), with the blocks they
-- were built from. Grids and blocks of every plan share one feature table
-- each; filter on plan_id.
CREATE TABLE plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  parent_id INTEGER REFERENCES plans(id) ON DELETE SET NULL,
  params TEXT NOT NULL,
  report TEXT NOT NULL
);
CREATE UNIQUE INDEX plans_one_active ON plans(active) WHERE active = 1;
INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('plans', 'attributes', 'plans', 'Partition plans: parameters and report (JSON); one is active');

CREATE TABLE grids (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  level TEXT NOT NULL CHECK (level IN ('grid', 'cell')),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  village_code TEXT NOT NULL,
  village_name TEXT NOT NULL,
  town_code TEXT NOT NULL,
  town_name TEXT NOT NULL,
  population REAL NOT NULL,
  households REAL NOT NULL,
  buildings INTEGER NOT NULL,
  area_m2 REAL NOT NULL,
  perimeter_m REAL NOT NULL,
  polsby_popper REAL NOT NULL,
  dedicated TEXT,
  in_band INTEGER,
  parent_code TEXT,
  geom MULTIPOLYGON NOT NULL,
  UNIQUE (plan_id, code)
);
CREATE INDEX grids_plan ON grids(plan_id, level);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('grids', 'features', 'grids', 'Grids (网格) and unit cells (单元格) of every plan', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('grids', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('grids', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_grids_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_grids_geom_insert AFTER INSERT ON grids WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_grids_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_grids_geom_update1 AFTER UPDATE OF geom ON grids WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_grids_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_grids_geom_update2 AFTER UPDATE OF geom ON grids WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_grids_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_grids_geom_update3 AFTER UPDATE ON grids WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_grids_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_grids_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_grids_geom_update4 AFTER UPDATE ON grids WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_grids_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_grids_geom_delete AFTER DELETE ON grids WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_grids_geom WHERE id = OLD.fid;
END;

CREATE TABLE blocks (
  fid INTEGER PRIMARY KEY AUTOINCREMENT,
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  block_id INTEGER NOT NULL,
  village_code TEXT NOT NULL,
  grid_code TEXT,
  population REAL NOT NULL,
  households REAL NOT NULL,
  buildings INTEGER NOT NULL,
  area_m2 REAL NOT NULL,
  dedicated TEXT,
  geom MULTIPOLYGON NOT NULL,
  UNIQUE (plan_id, block_id)
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES ('blocks', 'features', 'blocks', 'Road-bounded blocks each plan was built from', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('blocks', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_extensions VALUES ('blocks', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
CREATE VIRTUAL TABLE rtree_blocks_geom USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER rtree_blocks_geom_insert AFTER INSERT ON blocks WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_blocks_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_blocks_geom_update1 AFTER UPDATE OF geom ON blocks WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  INSERT OR REPLACE INTO rtree_blocks_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_blocks_geom_update2 AFTER UPDATE OF geom ON blocks WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_blocks_geom WHERE id = OLD.fid;
END;
CREATE TRIGGER rtree_blocks_geom_update3 AFTER UPDATE ON blocks WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_blocks_geom WHERE id = OLD.fid;
  INSERT OR REPLACE INTO rtree_blocks_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom));
END;
CREATE TRIGGER rtree_blocks_geom_update4 AFTER UPDATE ON blocks WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
BEGIN
  DELETE FROM rtree_blocks_geom WHERE id IN (OLD.fid, NEW.fid);
END;
CREATE TRIGGER rtree_blocks_geom_delete AFTER DELETE ON blocks WHEN old.geom NOT NULL
BEGIN
  DELETE FROM rtree_blocks_geom WHERE id = OLD.fid;
END;
