/// Every number of the population model; none is a constant in the code.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationParams {
    /// Share of gross floor area that is living space (walls, stairs and
    /// corridors excluded).
    pub usable_share: f64,
    /// Living space per resident, m². 2020 census: about 36.5 m² urban,
    /// 46.8 m² rural per person of housing floor area.
    pub m2_per_person: f64,
    /// Storey height used to turn `height` into levels, metres.
    pub storey_height_m: f64,
    /// Mean persons per household (the census table gives it per county).
    pub household_size: f64,
    /// Scale estimated residents so that the whole input sums to this.
    pub total: Option<f64>,
    /// Footprints smaller than this are sheds and kiosks, m²; no residents.
    pub min_footprint_m2: f64,
}

impl Default for PopulationParams {
    fn default() -> Self {
        Self {
            usable_share: 0.75,
            m2_per_person: 36.5,
            storey_height_m: 3.0,
            // 2020 census national mean.
            household_size: 2.62,
            total: None,
            min_footprint_m2: 20.0,
        }
    }
}

impl PopulationParams {
    /// Checks that every parameter is in a sensible range, naming the bad one.
    pub fn validate(&self) -> Result<(), String> {
        let check = |name: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && v >= lo && v <= hi {
                Ok(())
            } else {
                Err(format!("{name} = {v} is outside {lo}..={hi}"))
            }
        };
        check("usable share", self.usable_share, 0.01, 1.0)?;
        check("m² per person", self.m2_per_person, 1.0, 1000.0)?;
        check("storey height", self.storey_height_m, 1.0, 10.0)?;
        check("household size", self.household_size, 0.5, 20.0)?;
        check("minimum footprint", self.min_footprint_m2, 0.0, 10_000.0)?;
        if let Some(t) = self.total {
            check("total population", t, 0.0, 1e10)?;
        }
        Ok(())
    }
}
