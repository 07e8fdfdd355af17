use std::collections::HashMap;

use geo_types::{Coord, MultiPolygon};

use super::attach::{Crossing, attach_buildings};
use super::faces::{FaceInfo, face_cover, face_infos, face_rings};
use super::params::{BlockParams, Measure};
use super::refine::extra_segments;
use super::segments::base_segments;
use crate::geometry::area_m2;
use crate::model::{AdminLevel, Layers};
use crate::planar::{Arrangement, FaceId, IPoint, dissolve, node_segments_dropping};

/// One block: a group of faces in one village (and at most one dedicated
/// site), with what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub id: u32,
    /// Index into [`BlockSet::villages`].
    pub village: u32,
    /// Index into [`BlockSet::sites`] when the block lies in a dedicated site.
    pub site: Option<u32>,
    pub faces: Vec<FaceId>,
    pub area_m2: f64,
    pub population: f64,
    pub households: f64,
    pub buildings: u32,
    /// A point inside the block (of its largest face).
    pub point: Coord<f64>,
    /// Area-weighted mean of its faces' inner points.
    pub centroid: Coord<f64>,
}

impl Block {
    pub fn value(&self, m: Measure) -> f64 {
        match m {
            Measure::Residents => self.population,
            Measure::Households => self.households,
        }
    }
}

/// The blocks of a county and the arrangement they are faces of.
#[derive(Debug, Clone)]
pub struct BlockSet {
    pub arrangement: Arrangement,
    pub face_block: Vec<Option<u32>>,
    pub blocks: Vec<Block>,
    /// Admin-layer index of each village.
    pub villages: Vec<usize>,
    /// Site-layer index of each dedicated site.
    pub sites: Vec<usize>,
    /// The block of each building of the layers.
    pub building_block: Vec<Option<u32>>,
    /// Buildings whose corners fall in several faces, with those faces.
    pub crossing_buildings: Vec<(usize, Vec<FaceId>)>,
    /// Each face's area, m², and how many villages cover it: the exact
    /// figures the report's gap and overlap are summed from.
    pub face_area_m2: Vec<f64>,
    pub face_cover: Vec<u16>,
    /// Refinement rounds that ran.
    pub rounds: usize,
}

impl BlockSet {
    /// The blocks as polygons, dissolved from their faces.
    pub fn geometries(&self) -> Vec<MultiPolygon<f64>> {
        dissolve(&self.arrangement, &self.face_block, self.blocks.len())
    }
}

/// Lengths in metres of the edges between pairs of faces.
pub(crate) fn face_adjacency(arr: &Arrangement) -> HashMap<(FaceId, FaceId), f64> {
    let mut adj = HashMap::new();
    for k in 0..arr.edge_count() {
        let (a, b, _, fl, fr) = arr.edge(k);
        if let (Some(x), Some(y)) = (fl, fr)
            && x != y
        {
            let key = if x < y { (x, y) } else { (y, x) };
            *adj.entry(key).or_insert(0.0) += edge_length_m(a, b);
        }
    }
    adj
}

/// Length of a grid segment in metres (equirectangular at its latitude).
pub fn edge_length_m(a: IPoint, b: IPoint) -> f64 {
    let (ca, cb) = (a.to_coord(), b.to_coord());
    let proj = crate::geometry::LocalProjection::new(ca.x, (ca.y + cb.y) / 2.0);
    let (pa, pb) = (proj.forward(ca), proj.forward(cb));
    (pb.x - pa.x).hypot(pb.y - pa.y)
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        parent[x as usize] = parent[parent[x as usize] as usize];
        x = parent[x as usize];
    }
    x
}

/// Builds the blocks of every village in the layers.
pub fn build_blocks(layers: &Layers, params: &BlockParams) -> BlockSet {
    let villages: Vec<usize> = layers
        .admin
        .iter()
        .enumerate()
        .filter(|(_, u)| u.level == AdminLevel::Village)
        .map(|(i, _)| i)
        .collect();
    let sites: Vec<usize> = layers
        .sites
        .iter()
        .enumerate()
        .filter(|(_, s)| area_m2(&s.geometry) >= params.dedicated_min_m2)
        .map(|(i, _)| i)
        .collect();
    let vgeoms: Vec<&MultiPolygon<f64>> = villages
        .iter()
        .map(|&i| &layers.admin[i].geometry)
        .collect();
    build_blocks_in(layers, &vgeoms, villages.clone(), sites, params)
}

/// Blocks inside any set of parent polygons (villages, or the grids when
/// unit cells are made); `parent_ids` is what `BlockSet::villages` reports.
pub fn build_blocks_in(
    layers: &Layers,
    vgeoms: &[&MultiPolygon<f64>],
    parent_ids: Vec<usize>,
    sites: Vec<usize>,
    params: &BlockParams,
) -> BlockSet {
    let villages = parent_ids;
    let sgeoms: Vec<&MultiPolygon<f64>> =
        sites.iter().map(|&i| &layers.sites[i].geometry).collect();
    let mut segments = base_segments(layers, vgeoms, params, &sites);
    let mut round = 0;
    loop {
        // Refinement lines may go where rounding cannot settle; the base lines
        // (boundaries, roads, rail, water) never.
        let droppable = |t: crate::planar::EdgeTags| {
            !t.intersects(
                super::tags::VILLAGE
                    .union(super::tags::ROAD)
                    .union(super::tags::RAIL)
                    .union(super::tags::WATER)
                    .union(super::tags::SITE),
            )
        };
        let t = std::time::Instant::now();
        let noded = node_segments_dropping(segments.clone(), &droppable);
        let t_node = t.elapsed().as_secs_f64();
        let arr = Arrangement::build(&noded);
        let t_arr = t.elapsed().as_secs_f64();
        let rings = face_rings(&arr);
        let faces = face_infos(&rings, vgeoms, &sgeoms);
        let t_faces = t.elapsed().as_secs_f64();
        let t_attach0 = t.elapsed().as_secs_f64();
        let (face_of_building, crossing_buildings) =
            attach_buildings(&rings, &faces, &layers.buildings);
        let (face_block, blocks, building_block) = group_faces(
            &arr,
            &faces,
            &face_of_building,
            &crossing_buildings,
            layers,
            params,
        );
        tracing::debug!(
            round,
            segments = segments.len(),
            noding = t_node,
            arrangement = t_arr - t_node,
            faces = t_faces - t_arr,
            attach = t.elapsed().as_secs_f64() - t_attach0,
            "block round"
        );
        let set = BlockSet {
            arrangement: arr,
            face_block,
            blocks,
            villages: villages.clone(),
            sites: sites.clone(),
            building_block,
            crossing_buildings,
            face_area_m2: faces.iter().map(|f| f.area_m2).collect(),
            face_cover: Vec::new(),
            rounds: round + 1,
        };
        let last = round + 1 >= params.max_rounds;
        let extra = if last {
            Vec::new()
        } else {
            extra_segments(&set, layers, params, round)
        };
        if extra.is_empty() {
            let mut set = set;
            set.face_cover = face_cover(&faces, vgeoms);
            return set;
        }
        segments.extend(extra);
        round += 1;
    }
}

/// Joins the faces a building spans, merges slivers into their neighbours
/// and sums what each block holds.
fn group_faces(
    arr: &Arrangement,
    faces: &[FaceInfo],
    face_of_building: &[Option<FaceId>],
    crossing: &Crossing,
    layers: &Layers,
    params: &BlockParams,
) -> (Vec<Option<u32>>, Vec<Block>, Vec<Option<u32>>) {
    let n = faces.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    // A line through a footprint (a footway, a service road under an
    // arcade, a passage, the edge of a campus drawn across a hall) must not
    // part a building between two blocks, so the faces it spans are one
    // block, dedicated if any of them is. Faces of another village stay
    // apart: village boundaries are the input's.
    for (_, spanned) in crossing {
        let Some(&first) = spanned.first() else {
            continue;
        };
        for &f in &spanned[1..] {
            let (a, b) = (&faces[first as usize], &faces[f as usize]);
            if a.village != b.village || a.village.is_none() {
                continue;
            }
            let (ra, rb) = (find(&mut parent, first), find(&mut parent, f));
            if ra == rb {
                continue;
            }
            // The root names the block's site: keep a dedicated one.
            if faces[rb as usize].site.is_some() && faces[ra as usize].site.is_none() {
                parent[ra as usize] = rb;
            } else {
                parent[rb as usize] = ra;
            }
        }
    }
    let mut neighbours: Vec<Vec<(FaceId, f64)>> = vec![Vec::new(); n];
    for ((a, b), len) in face_adjacency(arr) {
        neighbours[a as usize].push((b, len));
        neighbours[b as usize].push((a, len));
    }
    for list in &mut neighbours {
        list.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    }
    let mut housed = vec![0u32; n];
    for f in face_of_building.iter().flatten() {
        housed[*f as usize] += 1;
    }
    let mut order: Vec<usize> = (0..n).filter(|&f| faces[f].village.is_some()).collect();
    order.sort_by(|&a, &b| {
        faces[a]
            .area_m2
            .total_cmp(&faces[b].area_m2)
            .then(a.cmp(&b))
    });
    for f in order {
        let info = &faces[f];
        let pp = if info.perimeter_m > 0.0 {
            4.0 * std::f64::consts::PI * info.area_m2 / (info.perimeter_m * info.perimeter_m)
        } else {
            0.0
        };
        // A face with a building in it is somebody's home block, not a
        // sliver, however thin (a row of houses between two cuts).
        let sliver = housed[f] == 0
            && (info.area_m2 < params.sliver_area_m2
                || (info.area_m2 < params.thin_area_m2 && pp < params.sliver_compactness));
        if !sliver {
            continue;
        }
        let rf = find(&mut parent, f as u32);
        let mut target = None;
        for &(g, _) in &neighbours[f] {
            let o = &faces[g as usize];
            if o.village == info.village && o.site == info.site && find(&mut parent, g) != rf {
                target = Some(g);
                break;
            }
        }
        if let Some(g) = target {
            let rg = find(&mut parent, g);
            parent[rf as usize] = rg;
        }
    }
    let mut block_of_root: HashMap<u32, u32> = HashMap::new();
    let mut face_block = vec![None; n];
    let mut blocks: Vec<Block> = Vec::new();
    for f in 0..n {
        let Some(village) = faces[f].village else {
            continue;
        };
        let root = find(&mut parent, f as u32);
        let id = *block_of_root.entry(root).or_insert_with(|| {
            blocks.push(Block {
                id: blocks.len() as u32,
                village,
                site: faces[root as usize].site,
                faces: Vec::new(),
                area_m2: 0.0,
                population: 0.0,
                households: 0.0,
                buildings: 0,
                point: faces[root as usize].point,
                centroid: Coord { x: 0.0, y: 0.0 },
            });
            (blocks.len() - 1) as u32
        });
        face_block[f] = Some(id);
        let b = &mut blocks[id as usize];
        b.faces.push(f as FaceId);
        b.area_m2 += faces[f].area_m2;
        b.centroid.x += faces[f].point.x * faces[f].area_m2;
        b.centroid.y += faces[f].point.y * faces[f].area_m2;
    }
    for b in &mut blocks {
        if b.area_m2 > 0.0 {
            b.centroid.x /= b.area_m2;
            b.centroid.y /= b.area_m2;
        } else {
            b.centroid = b.point;
        }
        if let Some(&big) = b.faces.iter().max_by(|x, y| {
            faces[**x as usize]
                .area_m2
                .total_cmp(&faces[**y as usize].area_m2)
        }) {
            b.point = faces[big as usize].point;
        }
    }
    let building_block: Vec<Option<u32>> = face_of_building
        .iter()
        .map(|f| f.and_then(|f| face_block[f as usize]))
        .collect();
    for (bld, blk) in layers.buildings.iter().zip(&building_block) {
        if let Some(id) = blk {
            let b = &mut blocks[*id as usize];
            b.population += bld.population.unwrap_or(0.0);
            b.households += bld.households.unwrap_or(0.0);
            b.buildings += 1;
        }
    }
    (face_block, blocks, building_block)
}
