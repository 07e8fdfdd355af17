use crate::blocks::BlockSet;
use crate::blocks::tags::{VILLAGE, follows_linear_feature};

/// Block adjacency inside villages: shared boundary length and how much of
/// it lies on a road, railway or river. No edge crosses a village boundary.
#[derive(Debug, Clone)]
pub struct BlockGraph {
    /// Per block: (neighbour, shared length m, length on roads m).
    pub adj: Vec<Vec<(u32, f64, f64)>>,
}

impl BlockGraph {
    pub fn build(set: &BlockSet) -> Self {
        let n = set.blocks.len();
        let mut pairs: std::collections::HashMap<(u32, u32), (f64, f64)> =
            std::collections::HashMap::new();
        let arr = &set.arrangement;
        for k in 0..arr.edge_count() {
            let (a, b, tags, fl, fr) = arr.edge(k);
            let (Some(fl), Some(fr)) = (fl, fr) else {
                continue;
            };
            let (Some(x), Some(y)) = (set.face_block[fl as usize], set.face_block[fr as usize])
            else {
                continue;
            };
            if x == y
                || set.blocks[x as usize].village != set.blocks[y as usize].village
                || tags.contains(VILLAGE)
            {
                continue;
            }
            let len = crate::blocks::edge_length(a, b);
            let key = if x < y { (x, y) } else { (y, x) };
            let e = pairs.entry(key).or_insert((0.0, 0.0));
            e.0 += len;
            if follows_linear_feature(tags) {
                e.1 += len;
            }
        }
        let mut adj = vec![Vec::new(); n];
        let mut keys: Vec<_> = pairs.into_iter().collect();
        keys.sort_by_key(|a| a.0);
        for ((x, y), (len, road)) in keys {
            adj[x as usize].push((y, len, road));
            adj[y as usize].push((x, len, road));
        }
        Self { adj }
    }
}
