use geo_types::Coord;
use geojson::{Feature, GeometryValue, Position, feature::Id};
use serde_json::{Map, Value};

use crate::import::fields::{FieldMap, FieldRole};
use crate::import::limits::Limits;
use crate::model::{
    AdminLevel, AdminUnit, Building, DivisionCode, FeatureId, Landuse, LayerKind, Layers, Railway,
    Road, RoadClass, Site, SiteKind, WaterArea, Waterway,
};
use crate::validate::{Problem, RawPolygon, Repair, clean_line, clean_polygons};

/// Everything a converter needs besides the feature.
pub(crate) struct Ctx<'a> {
    pub fields: &'a FieldMap,
    pub limits: &'a Limits,
}

/// Converts one GeoJSON feature into the layer `kind`, returning the
/// feature's name for the report and the repairs made, or why it was
/// skipped.
pub(crate) fn feature_into_layers(
    feature: Feature,
    fallback_id: String,
    kind: LayerKind,
    ctx: &Ctx<'_>,
    out: &mut Layers,
) -> (String, Result<Vec<Repair>, Problem>) {
    let id = match &feature.id {
        Some(Id::String(s)) => s.clone(),
        Some(Id::Number(n)) => n.to_string(),
        None => fallback_id,
    };
    let result = convert(feature, &id, kind, ctx, out);
    (id, result)
}

fn convert(
    feature: Feature,
    id: &str,
    kind: LayerKind,
    ctx: &Ctx<'_>,
    out: &mut Layers,
) -> Result<Vec<Repair>, Problem> {
    let empty = Map::new();
    let props = feature.properties.as_ref().unwrap_or(&empty);
    let geometry = feature.geometry.ok_or(Problem::MissingGeometry)?.value;
    let fid = FeatureId(id.to_string());
    let mut repairs = Vec::new();
    let max_v = ctx.limits.max_feature_vertices;
    let f = ctx.fields;
    if kind.is_polygonal() {
        let parts = polygon_parts(geometry, kind)?;
        let geometry = clean_polygons(parts, max_v, &mut repairs)?;
        match kind {
            LayerKind::Admin => {
                let code_text = f.text(kind, props, FieldRole::Code).ok_or_else(|| {
                    Problem::Attribute("no division code (property code/adcode)".into())
                })?;
                let code = DivisionCode::parse(&code_text)
                    .map_err(|e| Problem::Attribute(e.to_string()))?;
                let level = match f.text(kind, props, FieldRole::Level) {
                    Some(l) => AdminLevel::parse(&l)
                        .ok_or_else(|| Problem::Attribute(format!("unknown admin level {l:?}")))?,
                    None => code.level(),
                };
                if level != code.level() {
                    return Err(Problem::Attribute(format!(
                        "level {} does not match code {code}, which is a {}",
                        level.as_str(),
                        code.level().as_str()
                    )));
                }
                let population = number_or_note(f, kind, props, FieldRole::Population)?;
                out.admin.push(AdminUnit {
                    id: fid,
                    code,
                    name: f
                        .text(kind, props, FieldRole::Name)
                        .unwrap_or_else(|| code.to_string()),
                    level,
                    population,
                    geometry,
                });
            }
            LayerKind::Buildings => {
                let b = Building {
                    id: fid,
                    kind: f
                        .text(kind, props, FieldRole::Kind)
                        .unwrap_or_else(|| "yes".into()),
                    levels: number_or_note(f, kind, props, FieldRole::Levels)?,
                    height: number_or_note(f, kind, props, FieldRole::Height)?,
                    population: number_or_note(f, kind, props, FieldRole::Population)?,
                    households: number_or_note(f, kind, props, FieldRole::Households)?,
                    population_source: None,
                    geometry,
                };
                out.buildings.push(b);
            }
            LayerKind::Water => out.water.push(WaterArea {
                id: fid,
                kind: f
                    .text(kind, props, FieldRole::Kind)
                    .unwrap_or_else(|| "water".into()),
                name: f.text(kind, props, FieldRole::Name),
                geometry,
            }),
            LayerKind::Sites => {
                let raw = f
                    .text(kind, props, FieldRole::Kind)
                    .ok_or_else(|| Problem::Attribute("no site kind (property kind)".into()))?;
                let site_kind = site_kind_from_text(&raw).ok_or_else(|| {
                    let known: Vec<_> = SiteKind::ALL.iter().map(|k| k.as_str()).collect();
                    Problem::Attribute(format!(
                        "unknown site kind {raw:?}; known: {}",
                        known.join(", ")
                    ))
                })?;
                out.sites.push(Site {
                    id: fid,
                    kind: site_kind,
                    name: f.text(kind, props, FieldRole::Name),
                    geometry,
                });
            }
            LayerKind::Landuse => out.landuse.push(Landuse {
                id: fid,
                class: f
                    .text(kind, props, FieldRole::Kind)
                    .unwrap_or_else(|| "other".into()),
                name: f.text(kind, props, FieldRole::Name),
                geometry,
            }),
            LayerKind::Roads | LayerKind::Railways | LayerKind::Waterways => {
                unreachable!("line layers are handled below")
            }
        }
    } else {
        let lines = line_parts(geometry, kind)?;
        let kind_text = f.text(kind, props, FieldRole::Kind);
        let name = f.text(kind, props, FieldRole::Name);
        let mut cleaned = Vec::with_capacity(lines.len());
        for line in lines {
            cleaned.push(clean_line(line, max_v, &mut repairs)?);
        }
        for (k, geometry) in cleaned.into_iter().enumerate() {
            let id = if k == 0 {
                fid.clone()
            } else {
                FeatureId(format!("{id}.{k}"))
            };
            match kind {
                LayerKind::Roads => {
                    let highway = kind_text.clone().unwrap_or_else(|| "road".into());
                    out.roads.push(Road {
                        id,
                        class: RoadClass::from_highway(&highway),
                        highway,
                        name: name.clone(),
                        geometry,
                    });
                }
                LayerKind::Railways => out.railways.push(Railway {
                    id,
                    kind: kind_text.clone().unwrap_or_else(|| "rail".into()),
                    name: name.clone(),
                    geometry,
                }),
                _ => out.waterways.push(Waterway {
                    id,
                    kind: kind_text.clone().unwrap_or_else(|| "river".into()),
                    name: name.clone(),
                    geometry,
                }),
            }
        }
    }
    Ok(repairs)
}

/// A numeric attribute; a bad value is a skipped feature naming the value,
/// since silently estimating over a typo would hide it.
fn number_or_note(
    f: &FieldMap,
    kind: LayerKind,
    props: &Map<String, Value>,
    role: FieldRole,
) -> Result<Option<f64>, Problem> {
    f.number(kind, props, role).map_err(Problem::Attribute)
}

pub(crate) fn site_kind_from_text(s: &str) -> Option<SiteKind> {
    SiteKind::parse(s).or(match s {
        "factory" | "works" | "industrial_park" | "工业园" | "工厂" => {
            Some(SiteKind::Industrial)
        }
        "kindergarten" | "中学" | "小学" | "学校" => Some(SiteKind::School),
        "大学" | "campus" => Some(SiteKind::University),
        "clinic" | "医院" => Some(SiteKind::Hospital),
        "market" | "市场" | "农贸市场" => Some(SiteKind::Marketplace),
        _ => None,
    })
}

fn coord(p: &Position) -> Result<Coord<f64>, Problem> {
    match p.as_slice() {
        [x, y, ..] => Ok(Coord { x: *x, y: *y }),
        _ => Err(Problem::Attribute(
            "position with fewer than two numbers".into(),
        )),
    }
}

fn ring(r: &[Position]) -> Result<Vec<Coord<f64>>, Problem> {
    r.iter().map(coord).collect()
}

fn polygon_parts(g: GeometryValue, kind: LayerKind) -> Result<Vec<RawPolygon>, Problem> {
    let poly = |rings: &Vec<Vec<Position>>| {
        rings
            .iter()
            .map(|r| ring(r))
            .collect::<Result<RawPolygon, _>>()
    };
    match &g {
        GeometryValue::Polygon { coordinates } => Ok(vec![poly(coordinates)?]),
        GeometryValue::MultiPolygon { coordinates } => coordinates.iter().map(poly).collect(),
        other => Err(Problem::WrongGeometryType {
            found: other.type_name().into(),
            expected: "Polygon or MultiPolygon",
            layer: kind.as_str(),
        }),
    }
}

fn line_parts(g: GeometryValue, kind: LayerKind) -> Result<Vec<Vec<Coord<f64>>>, Problem> {
    match &g {
        GeometryValue::LineString { coordinates } => Ok(vec![ring(coordinates)?]),
        GeometryValue::MultiLineString { coordinates } => {
            coordinates.iter().map(|l| ring(l)).collect()
        }
        other => Err(Problem::WrongGeometryType {
            found: other.type_name().into(),
            expected: "LineString or MultiLineString",
            layer: kind.as_str(),
        }),
    }
}
