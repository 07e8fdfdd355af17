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

/// The census table by county (`data/census/county_2020.csv`).
#[derive(Debug, Clone, Default)]
pub struct CensusTable {
    rows: Vec<CountyCensus>,
}

impl CensusTable {
    pub fn read(path: &Path) -> Result<Self, ImportError> {
        let err = |message: String| ImportError::Census { path: path.to_path_buf(), message };
        let mut reader = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
        let mut rows = Vec::new();
        for (i, row) in reader.deserialize::<CountyCensus>().enumerate() {
            // Line numbers count the header as line 1.
            let row = row.map_err(|e| err(format!("line {}: {e}", i + 2)))?;
            if !(row.population >= 0.0 && row.household_size > 0.0 && row.household_size < 20.0) {
                return Err(err(format!(
                    "line {}: county {} has population {} and household size {}, which cannot be right",
                    i + 2,
                    row.adcode,
                    row.population,
                    row.household_size
                )));
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(err("no rows".into()));
        }
        Ok(Self { rows })
    }

    pub fn county(&self, adcode: u32) -> Option<&CountyCensus> {
        self.rows.iter().find(|r| r.adcode == adcode)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
