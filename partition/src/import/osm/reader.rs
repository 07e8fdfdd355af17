use std::collections::{HashMap, HashSet};

use geo::{Contains, InteriorPoint};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use osmpbf::{Element, ElementReader, RelMemberType};

use super::rings::assemble_rings;
use super::tags::{
    AreaTargets, LineTargets, Tags, area_targets, is_area_relation, line_targets, passes_under,
};
use crate::import::ImportError;
use crate::import::guard::catch_decoder_panic;
use crate::import::limits::Limits;
use crate::import::report::ImportReport;
use crate::model::{
    Building, FeatureId, Landuse, LayerKind, Layers, Railway, Road, Site, WaterArea, Waterway,
};
use crate::validate::{Problem, RawPolygon, Repair, clean_line, clean_polygons};

/// An administrative area from OSM; it has a name but no statistical code,
/// which is assigned once all inputs are read.
#[derive(Debug, Clone)]
pub(crate) struct OsmAdmin {
    pub id: FeatureId,
    /// OSM `admin_level`.
    pub level: u8,
    pub name: String,
    pub geometry: MultiPolygon<f64>,
}

struct WayRec {
    refs: Vec<i64>,
    tags: Option<Tags>,
}

struct RelRec {
    id: i64,
    tags: Tags,
    members: Vec<(i64, String)>,
}

/// Reads every layer from one PBF held in memory, in three passes
/// (relations, then the ways they and the tags need, then those ways'
/// nodes) so that only what is used is kept.
pub(crate) fn read_pbf(
    source: &str,
    bytes: &[u8],
    limits: &Limits,
    out: &mut Layers,
    admin: &mut Vec<OsmAdmin>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    let mut decode_error: Option<String> = None;
    let mut note_error = |e: String| {
        if decode_error.is_none() {
            decode_error = Some(e);
        }
    };

    let mut relations = Vec::new();
    let mut member_ways = HashSet::new();
    let mut elements = 0usize;
    if let Err(e) = pass(bytes, |el| {
        elements += 1;
        if let Element::Relation(r) = el {
            let tags = Tags(
                r.tags()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            );
            if !is_area_relation(&tags) || !area_targets(&tags).any() {
                return;
            }
            let members: Vec<(i64, String)> = r
                .members()
                .filter(|m| m.member_type == RelMemberType::Way)
                .map(|m| (m.member_id, m.role().unwrap_or("").to_string()))
                .collect();
            member_ways.extend(members.iter().map(|(id, _)| *id));
            relations.push(RelRec {
                id: r.id(),
                tags,
                members,
            });
        }
    }) {
        note_error(e);
    }
    if elements > limits.max_features {
        return Err(ImportError::TooManyFeatures {
            source_name: source.to_string(),
            limit: limits.max_features,
        });
    }

    let mut ways: HashMap<i64, WayRec> = HashMap::new();
    let mut needed_nodes = HashSet::new();
    // Ways under or in buildings, counted here so that their nodes need not
    // be read.
    let mut under = 0usize;
    if let Err(e) = pass(bytes, |el| {
        if let Element::Way(w) = el {
            let tags = Tags(
                w.tags()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            );
            let useful = line_targets(&tags).any() || area_targets(&tags).any();
            if passes_under(&tags)
                && (tags.get("highway").is_some()
                    || (useful
                        && ["railway", "waterway"]
                            .iter()
                            .any(|k| tags.get(k).is_some())))
            {
                under += 1;
            }
            if !useful && !member_ways.contains(&w.id()) {
                return;
            }
            let refs: Vec<i64> = w.refs().collect();
            needed_nodes.extend(refs.iter().copied());
            ways.insert(
                w.id(),
                WayRec {
                    refs,
                    tags: useful.then_some(tags),
                },
            );
        }
    }) {
        note_error(e);
    }

    let mut nodes: HashMap<i64, Coord<f64>> = HashMap::with_capacity(needed_nodes.len());
    if let Err(e) = pass(bytes, |el| match el {
        Element::Node(n) if needed_nodes.contains(&n.id()) => {
            nodes.insert(
                n.id(),
                Coord {
                    x: n.lon(),
                    y: n.lat(),
                },
            );
        }
        Element::DenseNode(n) if needed_nodes.contains(&n.id()) => {
            nodes.insert(
                n.id(),
                Coord {
                    x: n.lon(),
                    y: n.lat(),
                },
            );
        }
        _ => {}
    }) {
        note_error(e);
    }
    drop(needed_nodes);

    let before = report.total_imported() + report.layers.values().map(|s| s.skipped).sum::<u64>();
    let mut way_ids: Vec<i64> = ways
        .iter()
        .filter(|(_, w)| w.tags.is_some())
        .map(|(id, _)| *id)
        .collect();
    way_ids.sort_unstable();
    for id in way_ids {
        let Some(w) = ways.get(&id) else { continue };
        let Some(tags) = &w.tags else { continue };
        let fid = FeatureId::osm_way(id);
        let lines = line_targets(tags);
        if lines.any() {
            emit_line(
                source, &fid, &w.refs, &nodes, tags, &lines, limits, out, report,
            );
        }
        let mut areas = area_targets(tags);
        let closed = w.refs.len() >= 4 && w.refs.first() == w.refs.last();
        if !closed {
            // An open way is a piece of a relation's ring or a boundary
            // segment, not an area; only a building drawn open is a broken
            // area worth reporting.
            areas.admin = None;
            if member_ways.contains(&id) {
                areas = AreaTargets::default();
            }
        }
        if areas.any() {
            let parts = coords_of(&w.refs, &nodes)
                .map(|r| vec![vec![r]])
                .map_err(Problem::MissingMembers);
            emit_area(
                source, &fid, parts, tags, &areas, limits, out, admin, report,
            );
        }
    }
    if under > 0 {
        report.notes.push(format!(
            "{source}: {under} ways in tunnels, covered, indoor or below ground left out: they bound no block"
        ));
    }
    for rel in &relations {
        let fid = FeatureId::osm_relation(rel.id);
        let parts = relation_parts(rel, &ways, &nodes);
        emit_area(
            source,
            &fid,
            parts,
            &rel.tags,
            &area_targets(&rel.tags),
            limits,
            out,
            admin,
            report,
        );
    }
    let after = report.total_imported() + report.layers.values().map(|s| s.skipped).sum::<u64>();

    if let Some(e) = decode_error {
        if after == before {
            return Err(ImportError::BadPbf {
                source_name: source.to_string(),
                message: e,
            });
        }
        report.input_errors.push(format!(
            "{source}: PBF is truncated or corrupt ({e}); kept the {} features read before the damage",
            after - before
        ));
    }
    Ok(())
}

fn pass(bytes: &[u8], f: impl FnMut(Element<'_>)) -> Result<(), String> {
    match catch_decoder_panic(|| ElementReader::new(bytes).for_each(f)) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => Err(format!("decoder failed: {panic}")),
    }
}

/// The coordinates of a node list, or the count of missing nodes.
fn coords_of(refs: &[i64], nodes: &HashMap<i64, Coord<f64>>) -> Result<Vec<Coord<f64>>, usize> {
    let coords: Vec<Coord<f64>> = refs.iter().filter_map(|r| nodes.get(r).copied()).collect();
    match refs.len() - coords.len() {
        0 => Ok(coords),
        missing => Err(missing),
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_line(
    source: &str,
    fid: &FeatureId,
    refs: &[i64],
    nodes: &HashMap<i64, Coord<f64>>,
    tags: &Tags,
    t: &LineTargets,
    limits: &Limits,
    out: &mut Layers,
    report: &mut ImportReport,
) {
    let mut repairs = Vec::new();
    // Extracts cut ways at their edge: keep the part that is inside.
    let coords: Vec<Coord<f64>> = refs.iter().filter_map(|r| nodes.get(r).copied()).collect();
    if coords.len() < refs.len() {
        repairs.push(Repair::DroppedMissingNodes(refs.len() - coords.len()));
    }
    let line = clean_line(coords, limits.max_feature_vertices, &mut repairs);
    let name = tags.name();
    let mut record = |kind: LayerKind, line: &Result<LineString<f64>, Problem>| {
        report.record(
            source,
            kind,
            fid.as_str(),
            line.as_ref().map(|_| repairs.as_slice()),
        );
    };
    if let Some((class, highway)) = &t.road {
        record(LayerKind::Roads, &line);
        if let Ok(g) = &line {
            out.roads.push(Road {
                id: fid.clone(),
                class: *class,
                highway: highway.clone(),
                name: name.clone(),
                geometry: g.clone(),
            });
        }
    }
    if let Some(kind) = &t.railway {
        record(LayerKind::Railways, &line);
        if let Ok(g) = &line {
            out.railways.push(Railway {
                id: fid.clone(),
                kind: kind.clone(),
                name: name.clone(),
                geometry: g.clone(),
            });
        }
    }
    if let Some(kind) = &t.waterway {
        record(LayerKind::Waterways, &line);
        if let Ok(g) = &line {
            out.waterways.push(Waterway {
                id: fid.clone(),
                kind: kind.clone(),
                name: name.clone(),
                geometry: g.clone(),
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_area(
    source: &str,
    fid: &FeatureId,
    parts: Result<Vec<RawPolygon>, Problem>,
    tags: &Tags,
    t: &AreaTargets,
    limits: &Limits,
    out: &mut Layers,
    admin: &mut Vec<OsmAdmin>,
    report: &mut ImportReport,
) {
    let mut repairs = Vec::new();
    let geometry = parts.and_then(|p| clean_polygons(p, limits.max_feature_vertices, &mut repairs));
    let name = tags.name();
    let mut record = |kind: LayerKind| {
        report.record(
            source,
            kind,
            fid.as_str(),
            geometry.as_ref().map(|_| repairs.as_slice()),
        );
    };
    if let Some(kind) = &t.building {
        record(LayerKind::Buildings);
        if let Ok(g) = &geometry {
            out.buildings.push(Building {
                id: fid.clone(),
                kind: kind.clone(),
                levels: tags.get("building:levels").and_then(leading_number),
                height: tags.get("height").and_then(leading_number),
                population: None,
                households: None,
                population_source: None,
                geometry: g.clone(),
            });
        }
    }
    if let Some(kind) = &t.water {
        record(LayerKind::Water);
        if let Ok(g) = &geometry {
            out.water.push(WaterArea {
                id: fid.clone(),
                kind: kind.clone(),
                name: name.clone(),
                geometry: g.clone(),
            });
        }
    }
    if let Some(kind) = t.site {
        record(LayerKind::Sites);
        if let Ok(g) = &geometry {
            out.sites.push(Site {
                id: fid.clone(),
                kind,
                name: name.clone(),
                geometry: g.clone(),
            });
        }
    }
    if let Some(class) = &t.landuse {
        record(LayerKind::Landuse);
        if let Ok(g) = &geometry {
            out.landuse.push(Landuse {
                id: fid.clone(),
                class: class.clone(),
                name: name.clone(),
                geometry: g.clone(),
            });
        }
    }
    if let Some(level) = t.admin {
        record(LayerKind::Admin);
        if let Ok(g) = &geometry {
            admin.push(OsmAdmin {
                id: fid.clone(),
                level,
                name: name.clone().unwrap_or_else(|| fid.to_string()),
                geometry: g.clone(),
            });
        }
    }
}

/// Outer and inner rings of a multipolygon or boundary relation, holes
/// given to the outer ring that contains them.
fn relation_parts(
    rel: &RelRec,
    ways: &HashMap<i64, WayRec>,
    nodes: &HashMap<i64, Coord<f64>>,
) -> Result<Vec<RawPolygon>, Problem> {
    let mut outer_ways = Vec::new();
    let mut inner_ways = Vec::new();
    let mut missing = 0;
    for (id, role) in &rel.members {
        match ways.get(id) {
            Some(w) if role == "inner" => inner_ways.push(w.refs.clone()),
            Some(w) => outer_ways.push(w.refs.clone()),
            None => missing += 1,
        }
    }
    if missing > 0 {
        return Err(Problem::MissingMembers(missing));
    }
    let (outer_rings, open_o) = assemble_rings(outer_ways);
    let (inner_rings, open_i) = assemble_rings(inner_ways);
    if outer_rings.is_empty() {
        return Err(if open_o + open_i > 0 {
            Problem::OpenRing(open_o + open_i)
        } else {
            Problem::Empty
        });
    }
    let to_coords = |r: &Vec<i64>| coords_of(r, nodes).map_err(Problem::MissingMembers);
    let outers: Vec<Vec<Coord<f64>>> = outer_rings
        .iter()
        .map(to_coords)
        .collect::<Result<_, _>>()?;
    let inners: Vec<Vec<Coord<f64>>> = inner_rings
        .iter()
        .map(to_coords)
        .collect::<Result<_, _>>()?;
    let outer_polys: Vec<Polygon<f64>> = outers
        .iter()
        .map(|r| Polygon::new(LineString(r.clone()), vec![]))
        .collect();
    let mut parts: Vec<RawPolygon> = outers.into_iter().map(|r| vec![r]).collect();
    for inner in inners {
        // A hole may touch its outer ring, so test a point inside the hole
        // rather than one of its vertices.
        let hole = Polygon::new(LineString(inner.clone()), vec![]);
        let Some(p) = hole
            .interior_point()
            .or_else(|| inner.first().map(|c| Point(*c)))
        else {
            continue;
        };
        if let Some(k) = outer_polys.iter().position(|o| o.contains(&p)) {
            parts[k].push(inner);
        }
    }
    Ok(parts)
}

/// `"6"`, `"5.5"`, `"12 m"`, `"6;7"` → the leading number.
fn leading_number(s: &str) -> Option<f64> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    s[..end]
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_holes_go_to_the_outer_ring_that_holds_them() {
        // Two squares, the first with a hole; the first outer is split in two ways.
        let sq = |id0: i64, x: f64, d: f64| -> Vec<(i64, Coord<f64>)> {
            vec![
                (id0, Coord { x, y: 0.0 }),
                (id0 + 1, Coord { x: x + d, y: 0.0 }),
                (id0 + 2, Coord { x: x + d, y: d }),
                (id0 + 3, Coord { x, y: d }),
            ]
        };
        let mut nodes = HashMap::new();
        for (id, c) in sq(1, 0.0, 10.0)
            .into_iter()
            .chain(sq(11, 20.0, 10.0))
            .chain(sq(21, 2.0, 2.0))
        {
            nodes.insert(id, c);
        }
        let mut ways = HashMap::new();
        ways.insert(
            100,
            WayRec {
                refs: vec![1, 2, 3],
                tags: None,
            },
        );
        ways.insert(
            101,
            WayRec {
                refs: vec![1, 4, 3],
                tags: None,
            },
        );
        ways.insert(
            102,
            WayRec {
                refs: vec![11, 12, 13, 14, 11],
                tags: None,
            },
        );
        ways.insert(
            103,
            WayRec {
                refs: vec![21, 22, 23, 24, 21],
                tags: None,
            },
        );
        let rel = RelRec {
            id: 1,
            tags: Tags(vec![
                ("type".into(), "multipolygon".into()),
                ("building".into(), "yes".into()),
            ]),
            members: vec![
                (102, "outer".into()),
                (103, "inner".into()),
                (100, "outer".into()),
                (101, "".into()),
            ],
        };
        let parts = relation_parts(&rel, &ways, &nodes).unwrap();
        assert_eq!(parts.len(), 2);
        let with_hole = parts
            .iter()
            .find(|p| p.len() == 2)
            .expect("one part has the hole");
        assert!(with_hole[0].iter().all(|c| c.x <= 10.0));
        let mut repairs = Vec::new();
        let mp = clean_polygons(parts, 100, &mut repairs).unwrap();
        assert!((geo::Area::unsigned_area(&mp) - (100.0 - 4.0 + 100.0)).abs() < 1e-9);

        let missing = RelRec {
            id: 2,
            tags: Tags(vec![]),
            members: vec![(999, "outer".into())],
        };
        assert_eq!(
            relation_parts(&missing, &ways, &nodes),
            Err(Problem::MissingMembers(1))
        );
    }

    #[test]
    fn parses_leading_numbers() {
        assert_eq!(leading_number("6"), Some(6.0));
        assert_eq!(leading_number("12 m"), Some(12.0));
        assert_eq!(leading_number("6;7"), Some(6.0));
        assert_eq!(leading_number("many"), None);
    }
}
