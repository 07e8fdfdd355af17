use std::path::Path;

use serde::Deserialize;

use super::ImportError;

/// One county's 2020 census figures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CountyCensus {
    pub adcode: u32,
    pub name: String,
    pub population: f64,
    pub urban_share: f64,
    pub household_size: f64,
}

/// The census table by county (`data/census/county_2020.csv`). Rows that
/// cannot be right are kept aside with the reason, so one bad row does not
/// make the other 2,989 counties unusable.
#[derive(Debug, Clone, Default)]
pub struct CensusTable {
    rows: Vec<CountyCensus>,
    /// (line, adcode text, reason) of every unusable row.
    rejected: Vec<(usize, String, String)>,
}

#[derive(Debug, Deserialize)]
struct RawRow {
    adcode: String,
    name: String,
    population: Option<f64>,
    urban_share: Option<f64>,
    household_size: Option<f64>,
}

impl CensusTable {
    pub fn read(path: &Path) -> Result<Self, ImportError> {
        let err = |message: String| ImportError::Census {
            path: path.to_path_buf(),
            message,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
        let mut table = Self::default();
        for (i, row) in reader.deserialize::<RawRow>().enumerate() {
            // Line numbers count the header as line 1.
            let line = i + 2;
            let row = row.map_err(|e| err(format!("line {line}: {e}")))?;
            match check(&row) {
                Ok(c) => table.rows.push(c),
                Err(reason) => table.rejected.push((line, row.adcode.clone(), reason)),
            }
        }
        if table.rows.is_empty() {
            return Err(err("no usable rows".into()));
        }
        Ok(table)
    }

    /// The county's figures, or why they cannot be used.
    pub fn county(&self, adcode: u32) -> Result<&CountyCensus, String> {
        if let Some(r) = self.rows.iter().find(|r| r.adcode == adcode) {
            return Ok(r);
        }
        match self
            .rejected
            .iter()
            .find(|(_, code, _)| code.trim().parse::<u32>().ok() == Some(adcode))
        {
            Some((line, _, reason)) => Err(format!(
                "the census row of county {adcode:06} (line {line}) is unusable: {reason}"
            )),
            None => Err(format!("county {adcode:06} is not in the census table")),
        }
    }

    pub fn rejected(&self) -> &[(usize, String, String)] {
        &self.rejected
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

fn check(r: &RawRow) -> Result<CountyCensus, String> {
    let adcode: u32 = r
        .adcode
        .trim()
        .parse()
        .map_err(|_| format!("adcode {:?} is not a number", r.adcode))?;
    if !(100_000..=999_999).contains(&adcode) {
        return Err(format!("adcode {adcode} is not 6 digits"));
    }
    let population = r.population.ok_or("population is empty")?;
    let household_size = r.household_size.ok_or("household_size is empty")?;
    let urban_share = r.urban_share.ok_or("urban_share is empty")?;
    // Far above any county (Chongqing's districts hold a few million), and
    // catches 1e400, which parses as infinity.
    if !population.is_finite() || !(0.0..=1e8).contains(&population) {
        return Err(format!("population {population} is not a county's count"));
    }
    // The 2020 county means lie between about 1.5 and 5 persons.
    if !(1.0..=8.0).contains(&household_size) {
        return Err(format!(
            "household size {household_size} is not a plausible mean (1–8)"
        ));
    }
    if !(0.0..=1.0).contains(&urban_share) {
        return Err(format!("urban share {urban_share} is not between 0 and 1"));
    }
    Ok(CountyCensus {
        adcode,
        name: r.name.clone(),
        population,
        urban_share,
        household_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_rows_are_set_aside_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, "adcode,name,population,urban_share,household_size\r\n110108,海淀区,3133469,0.9761,2.33\r\n130203,路北区,784667,0.9622,225\r\n350527,金门县,,,\r\n110101,东城区,1e400,0.9,2.4\r\n").unwrap();
        let t = CensusTable::read(&p).unwrap();
        assert_eq!(t.county(110108).unwrap().household_size, 2.33);
        let e = t.county(130203).unwrap_err();
        assert!(e.contains("line 3") && e.contains("225"), "{e}");
        assert!(t.county(350527).unwrap_err().contains("empty"));
        assert!(t.county(999999).unwrap_err().contains("not in the census"));
        let inf = t.county(110101).unwrap_err();
        assert!(inf.contains("inf"), "{inf}");
        assert_eq!(t.rejected().len(), 3);
    }
}
