use rstar::{AABB, RTree, RTreeObject};

/// A feature's bounding box in an R-tree, pointing back at its index.
pub(crate) struct Indexed {
    pub idx: usize,
    pub env: AABB<[f64; 2]>,
}

impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

pub(crate) fn build_index<I>(boxes: I) -> RTree<Indexed>
where
    I: IntoIterator<Item = (usize, geo_types::Rect<f64>)>,
{
    RTree::bulk_load(
        boxes
            .into_iter()
            .map(|(idx, r)| Indexed {
                idx,
                env: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
            })
            .collect(),
    )
}

/// Bounds of everything in the tree.
pub(crate) fn tree_bounds(tree: &RTree<Indexed>) -> Option<[f64; 4]> {
    if tree.size() == 0 {
        return None;
    }
    let e = tree.root().envelope();
    Some([e.lower()[0], e.lower()[1], e.upper()[0], e.upper()[1]])
}

/// Indices of the features whose boxes meet the tile plus its buffer,
/// in ascending order (so tiles are byte-identical run to run).
pub(crate) fn hits(tree: &RTree<Indexed>, bounds: [f64; 4], pad_frac: f64) -> Vec<usize> {
    let [w, s, e, n] = bounds;
    let pad_x = (e - w) * pad_frac;
    let pad_y = (n - s) * pad_frac;
    let env = AABB::from_corners([w - pad_x, s - pad_y], [e + pad_x, n + pad_y]);
    let mut v: Vec<usize> = tree
        .locate_in_envelope_intersecting(env)
        .map(|i| i.idx)
        .collect();
    v.sort_unstable();
    v
}
