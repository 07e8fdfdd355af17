use super::Band;

/// How many grids a parent of total `value` gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GridCount {
    /// Below the band: the whole parent is one grid.
    BelowBand,
    /// Every grid can be in band.
    Feasible(usize),
    /// No count puts every grid in band (the value lies between two
    /// feasible counts); the nearest count is used.
    Between(usize),
}

impl GridCount {
    pub fn count(self) -> usize {
        match self {
            Self::BelowBand => 1,
            Self::Feasible(k) | Self::Between(k) => k,
        }
    }
}

/// The count of grids closest to value ÷ band midpoint among those that
/// can all be in band.
pub fn choose_count(value: f64, band: &Band) -> GridCount {
    if value < band.lo {
        return GridCount::BelowBand;
    }
    let kmin = (value / band.hi).ceil().max(1.0) as usize;
    let kmax = (value / band.lo).floor() as usize;
    let ideal = (value / band.mid()).round().max(1.0) as usize;
    if kmin <= kmax {
        GridCount::Feasible(ideal.clamp(kmin, kmax))
    } else {
        GridCount::Between(ideal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let b = Band::RESIDENTS;
        assert_eq!(choose_count(800.0, &b), GridCount::BelowBand);
        assert_eq!(choose_count(1500.0, &b), GridCount::Feasible(1));
        assert_eq!(choose_count(4500.0, &b), GridCount::Feasible(3));
        assert_eq!(choose_count(2100.0, &b), GridCount::Feasible(2));
        // 300–500: 520 needs 2 grids of ≥300 but holds only 520.
        assert_eq!(
            choose_count(520.0, &Band::HOUSEHOLDS),
            GridCount::Between(1)
        );
    }
}
