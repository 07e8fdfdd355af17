-- The active plan's grids and cells as their own layers for QGIS (which
-- lists views with their geometry column; fid is the key to pick).
CREATE VIEW active_grids AS
  SELECT g.fid, g.geom, g.code, g.name, g.level, g.village_code, g.village_name,
         g.town_code, g.town_name, g.population, g.households, g.buildings, g.area_m2,
         g.perimeter_m, g.polsby_popper, g.dedicated, g.in_band, g.parent_code, g.plan_id, g.county
  FROM grids g JOIN plans p ON p.id = g.plan_id
  WHERE p.active AND g.level = 'grid';
CREATE VIEW active_cells AS
  SELECT g.fid, g.geom, g.code, g.name, g.level, g.village_code, g.village_name,
         g.town_code, g.town_name, g.population, g.households, g.buildings, g.area_m2,
         g.perimeter_m, g.polsby_popper, g.dedicated, g.in_band, g.parent_code, g.plan_id, g.county
  FROM grids g JOIN plans p ON p.id = g.plan_id
  WHERE p.active AND g.level = 'cell';
COMMENT ON VIEW active_grids IS '现行网格：各区县现行方案的网格。Grids of each county''s active plan.';
COMMENT ON VIEW active_cells IS '现行单元格：各区县现行方案的单元格。Unit cells of each county''s active plan.';
