use super::{PolygonSource, TileSource};
use crate::mvt::{LayerBuilder, TileId};

/// Towns (乡镇/街道) and villages (村/社区) in one `admin` layer told apart
/// by `level`. Each level tiles the county on its own, so each keeps its
/// own shared arcs; a level is not a subdivision of the other's arcs.
pub struct AdminSource {
    towns: PolygonSource,
    villages: PolygonSource,
}

impl AdminSource {
    pub fn new(towns: PolygonSource, villages: PolygonSource) -> Self {
        Self { towns, villages }
    }

    pub fn villages(&self) -> &PolygonSource {
        &self.villages
    }

    pub fn towns(&self) -> &PolygonSource {
        &self.towns
    }
}

impl TileSource for AdminSource {
    fn layer_names(&self) -> Vec<String> {
        vec!["admin".into(), "admin_label".into()]
    }

    fn bounds(&self) -> Option<[f64; 4]> {
        self.villages.bounds().or_else(|| self.towns.bounds())
    }

    fn fields(&self) -> Vec<(String, &'static str)> {
        self.villages.fields()
    }

    fn feature_count(&self) -> usize {
        self.towns.feature_count() + self.villages.feature_count()
    }

    fn heap_bytes(&self) -> usize {
        self.towns.heap_bytes() + self.villages.heap_bytes()
    }

    fn layers(&self, tile: TileId, within: Option<&str>) -> Vec<LayerBuilder> {
        let mut layer = LayerBuilder::new("admin", tile, 4096, 64).with_mercator_input();
        let mut labels = LayerBuilder::new("admin_label", tile, 4096, 0).with_mercator_input();
        self.villages
            .add_to(tile, &mut layer, Some(&mut labels), &[], within);
        self.towns
            .add_to(tile, &mut layer, Some(&mut labels), &[], within);
        [layer, labels]
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect()
    }
}
