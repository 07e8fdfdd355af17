-- What GIS staff meet in QGIS: the active plan's grids and cells as their
-- own layers, layer titles in Chinese, the QGIS style table and the
-- GeoPackage schema extension's field descriptions (both filled by wangge
-- from its own catalogue when it opens the store).

-- Views rather than copies: always in step with plans.active, whoever
-- changes it. OGC_FID exposes the grid's fid, which lets GDAL use the
-- grids table's R-tree for the view (GDAL's "spatial views").
CREATE VIEW active_grids AS
  SELECT g.fid AS OGC_FID, g.geom, g.code, g.name, g.level, g.village_code, g.village_name,
         g.town_code, g.town_name, g.population, g.households, g.buildings, g.area_m2,
         g.perimeter_m, g.polsby_popper, g.dedicated, g.in_band, g.parent_code, g.plan_id, g.county
  FROM grids g JOIN plans p ON p.id = g.plan_id
  WHERE p.active = 1 AND g.level = 'grid';
CREATE VIEW active_cells AS
  SELECT g.fid AS OGC_FID, g.geom, g.code, g.name, g.level, g.village_code, g.village_name,
         g.town_code, g.town_name, g.population, g.households, g.buildings, g.area_m2,
         g.perimeter_m, g.polsby_popper, g.dedicated, g.in_band, g.parent_code, g.plan_id, g.county
  FROM grids g JOIN plans p ON p.id = g.plan_id
  WHERE p.active = 1 AND g.level = 'cell';
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) VALUES
  ('active_grids', 'features', '现行网格',
   '各区县现行方案的网格（每个网格一行，人口与户数可直接求和）。Grids of each county''s active plan: one row per grid, so figures sum to the county''s.', 4326),
  ('active_cells', 'features', '现行单元格',
   '各区县现行方案的单元格（若方案划分了单元格）。Unit cells of each county''s active plan, when it has them.', 4326);
INSERT INTO gpkg_geometry_columns VALUES ('active_grids', 'geom', 'MULTIPOLYGON', 4326, 0, 0);
INSERT INTO gpkg_geometry_columns VALUES ('active_cells', 'geom', 'MULTIPOLYGON', 4326, 0, 0);

-- Chinese titles for the layers GIS tools list; table names stay as the
-- API and the SQL know them.
UPDATE gpkg_contents SET identifier = '全部方案网格（历史）',
  description = '所有方案的网格与单元格（按 plan_id、level 区分；求和请用 现行网格）。Grids and unit cells of every plan (plan_id, level); for sums use active_grids.'
  WHERE table_name = 'grids';
UPDATE gpkg_contents SET identifier = '街区（各方案）',
  description = '各方案划分所用的道路围合街区。Road-bounded blocks each plan was built from.' WHERE table_name = 'blocks';
UPDATE gpkg_contents SET identifier = '行政区划',
  description = '乡镇/街道与村/社区。Towns (乡镇/街道) and villages/communities (村/社区).' WHERE table_name = 'admin';
UPDATE gpkg_contents SET identifier = '建筑', description = '建筑及其人口、户数。Buildings with residents and households.' WHERE table_name = 'buildings';
UPDATE gpkg_contents SET identifier = '道路', description = '道路（OSM highway=*）及等级。Roads (OSM highway=*) with their class.' WHERE table_name = 'roads';
UPDATE gpkg_contents SET identifier = '铁路', description = '铁路。Railways.' WHERE table_name = 'railways';
UPDATE gpkg_contents SET identifier = '河流水渠', description = '河流、溪流、水渠中心线。Rivers, streams and canals (centre lines).' WHERE table_name = 'waterways';
UPDATE gpkg_contents SET identifier = '水域', description = '水域面。Water areas.' WHERE table_name = 'water';
UPDATE gpkg_contents SET identifier = '专属场所', description = '可成为专属网格的场所（学校、医院、园区等）。Sites that may become dedicated grids.' WHERE table_name = 'sites';
UPDATE gpkg_contents SET identifier = '土地利用', description = '土地利用与覆盖。Land use and land cover.' WHERE table_name = 'landuse';
UPDATE gpkg_contents SET identifier = '网格方案' WHERE table_name = 'plans';
UPDATE gpkg_contents SET identifier = '区县' WHERE table_name = 'counties';
UPDATE gpkg_contents SET identifier = '操作日志' WHERE table_name = 'audit';

-- QGIS's style table, as QGIS itself creates it in a GeoPackage.
CREATE TABLE layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('layer_styles', 'attributes', 'layer_styles', 'QGIS layer styles (QML and SLD); wangge writes a default style for each layer');

-- GeoPackage schema extension (1.3, F.9): titles and descriptions of columns.
CREATE TABLE gpkg_data_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  name TEXT,
  title TEXT,
  description TEXT,
  mime_type TEXT,
  constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name)
);
CREATE TABLE gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL,
  constraint_type TEXT NOT NULL,
  value TEXT,
  min NUMERIC,
  min_is_inclusive BOOLEAN,
  max NUMERIC,
  max_is_inclusive BOOLEAN,
  description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value)
);
INSERT INTO gpkg_extensions VALUES
  ('gpkg_data_columns', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write'),
  ('gpkg_data_column_constraints', NULL, 'gpkg_schema', 'http://www.geopackage.org/spec/#extension_schema', 'read-write');
