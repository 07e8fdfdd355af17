use std::collections::HashMap;

/// Joins member ways (node id lists) into closed rings by matching end
/// nodes. Returns the rings and the number of ways left in open chains.
pub(crate) fn assemble_rings(ways: Vec<Vec<i64>>) -> (Vec<Vec<i64>>, usize) {
    let mut rings = Vec::new();
    let mut open: Vec<Option<Vec<i64>>> = Vec::new();
    for w in ways {
        if w.len() < 2 {
            continue;
        }
        if w.first() == w.last() {
            rings.push(w);
        } else {
            open.push(Some(w));
        }
    }
    let mut by_end: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, w) in open.iter().enumerate() {
        if let Some(w) = w {
            by_end.entry(w[0]).or_default().push(i);
            by_end.entry(w[w.len() - 1]).or_default().push(i);
        }
    }
    let mut unjoined = 0;
    for start in 0..open.len() {
        let Some(mut chain) = open[start].take() else {
            continue;
        };
        let mut used = 1;
        loop {
            let (first, last) = (chain[0], chain[chain.len() - 1]);
            if first == last {
                rings.push(chain);
                break;
            }
            let next = by_end
                .get(&last)
                .and_then(|c| c.iter().copied().find(|&j| open[j].is_some()));
            let Some(j) = next else {
                unjoined += used;
                break;
            };
            let Some(mut w) = open[j].take() else { break };
            used += 1;
            if w[0] != last {
                w.reverse();
            }
            chain.extend_from_slice(&w[1..]);
        }
    }
    (rings, unjoined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_reversed_pieces() {
        let (rings, open) =
            assemble_rings(vec![vec![1, 2, 3], vec![1, 4, 3], vec![10, 11, 12, 10]]);
        assert_eq!(open, 0);
        assert_eq!(rings.len(), 2);
        let r = rings.iter().find(|r| r.len() == 5).unwrap();
        assert_eq!(r.first(), r.last());
    }

    #[test]
    fn reports_open_chains() {
        let (rings, open) = assemble_rings(vec![vec![1, 2], vec![2, 3]]);
        assert!(rings.is_empty());
        assert_eq!(open, 2);
    }
}
