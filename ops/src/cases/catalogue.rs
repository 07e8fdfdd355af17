//! The categories cases are filed under, with their deadlines per level
//! and their year-on-year targets. The defaults are the categories the
//! county and city plans name; a county replaces them with its own JSON.

use serde::{Deserialize, Serialize};

use super::workflow::Level;
use crate::positions::UnixMs;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    /// A short ASCII code used in URLs and exports.
    pub code: String,
    /// The name people read (物业管理).
    pub name: String,
    /// Hours a case may take at each level: grid, village, town, county.
    pub deadline_hours: [f64; 4],
    /// The plan's year-on-year target for the count (−0.10: "down 10 %").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_change: Option<f64>,
}

impl Category {
    /// Milliseconds a stage may take at `level`.
    pub fn deadline_ms(&self, level: Level) -> i64 {
        let h = self.deadline_hours[usize::from(level.get() - 1)];
        (h * 3_600_000.0) as i64
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogueError {
    #[error("the catalogue is not JSON of the expected shape: {0}")]
    Json(String),
    #[error("category {0:?} appears twice")]
    Repeated(String),
    #[error("category {code:?}: {what}")]
    Invalid { code: String, what: String },
    #[error("the catalogue has no category")]
    Empty,
}

impl Catalogue {
    /// The plans' categories: property management, medical services,
    /// labour disputes, greenery, road traffic, city management, training
    /// and care, rented housing, environment, building-site noise, kitchen
    /// fumes; and disputes, public-order risks, work safety, public
    /// facilities. Safety ones run on shorter deadlines.
    pub fn standard() -> Self {
        let normal = [24.0, 48.0, 72.0, 120.0];
        let urgent = [4.0, 8.0, 24.0, 48.0];
        let c = |code: &str, name: &str, d: [f64; 4], target: Option<f64>| Category {
            code: code.into(),
            name: name.into(),
            deadline_hours: d,
            target_change: target,
        };
        Self {
            categories: vec![
                c("property", "物业管理", normal, Some(-0.10)),
                c("medical", "医疗服务", normal, None),
                c("labour", "劳资纠纷", normal, None),
                c("greenery", "园林绿化", normal, None),
                c("traffic", "道路交通", normal, None),
                c("city", "城市管理", normal, None),
                c("care", "培训与托管", normal, None),
                c("rental", "出租房管理", normal, None),
                c("environment", "环境保护", normal, None),
                c("noise", "建筑工地噪声", normal, None),
                c("fumes", "餐饮油烟", normal, None),
                c("dispute", "矛盾纠纷", urgent, None),
                c("security", "治安隐患", urgent, None),
                c("safety", "安全生产", urgent, None),
                c("facility", "公共设施", normal, None),
            ],
        }
    }

    /// A catalogue from JSON (`{"categories": [...]}`), checked.
    pub fn from_json(text: &str) -> Result<Self, CatalogueError> {
        let c: Self =
            serde_json::from_str(text).map_err(|e| CatalogueError::Json(e.to_string()))?;
        c.check()?;
        Ok(c)
    }

    pub fn check(&self) -> Result<(), CatalogueError> {
        if self.categories.is_empty() {
            return Err(CatalogueError::Empty);
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.categories {
            let invalid = |what: String| CatalogueError::Invalid {
                code: c.code.clone(),
                what,
            };
            if c.code.is_empty()
                || c.code.len() > 32
                || !c
                    .code
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(invalid("the code is 1–32 of a–z, 0–9, _".into()));
            }
            if c.name.trim().is_empty() {
                return Err(invalid("the name is empty".into()));
            }
            if c.deadline_hours
                .iter()
                .any(|h| !(h.is_finite() && *h > 0.0))
            {
                return Err(invalid(format!(
                    "deadlines must be positive hours: {:?}",
                    c.deadline_hours
                )));
            }
            if c.target_change.is_some_and(|t| !(-1.0..=10.0).contains(&t)) {
                return Err(invalid("target_change is a ratio between −1 and 10".into()));
            }
            if !seen.insert(c.code.as_str()) {
                return Err(CatalogueError::Repeated(c.code.clone()));
            }
        }
        Ok(())
    }

    /// For each category and each of `levels`: the instant before which a
    /// stage that began is past its deadline at `now` (what "overdue"
    /// asks of a store).
    pub fn cutoffs(&self, now: UnixMs, levels: &[Level]) -> Vec<(String, Level, UnixMs)> {
        self.categories
            .iter()
            .flat_map(|c| {
                levels
                    .iter()
                    .map(move |&l| (c.code.clone(), l, UnixMs(now.0 - c.deadline_ms(l))))
            })
            .collect()
    }

    /// A category by its code or its name.
    pub fn find(&self, key: &str) -> Option<&Category> {
        self.categories
            .iter()
            .find(|c| c.code == key || c.name == key)
    }

    /// Every code and name, for an error message.
    pub fn known(&self) -> String {
        self.categories
            .iter()
            .map(|c| format!("{} ({})", c.code, c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_catalogue_is_valid_and_found_by_code_or_name() {
        let c = Catalogue::standard();
        c.check().unwrap();
        assert_eq!(c.categories.len(), 15);
        assert_eq!(c.find("物业管理").unwrap().code, "property");
        assert_eq!(
            c.find("safety").unwrap().deadline_ms(Level::GRID),
            4 * 3_600_000
        );
        assert!(c.find("nothing").is_none());
        let cut = c.cutoffs(UnixMs(100 * 3_600_000), &[Level::GRID]);
        assert_eq!(cut.len(), 15);
        assert_eq!(
            cut[0],
            ("property".into(), Level::GRID, UnixMs(76 * 3_600_000))
        );
    }

    #[test]
    fn bad_catalogues_name_the_fault() {
        let e = Catalogue::from_json(
            r#"{"categories":[{"code":"A b","name":"x","deadline_hours":[1,2,3,4]}]}"#,
        );
        assert!(matches!(e, Err(CatalogueError::Invalid { .. })), "{e:?}");
        let e = Catalogue::from_json(
            r#"{"categories":[{"code":"a","name":"x","deadline_hours":[1,2,3,4]},{"code":"a","name":"y","deadline_hours":[1,2,3,4]}]}"#,
        );
        assert_eq!(e, Err(CatalogueError::Repeated("a".into())));
        let e = Catalogue::from_json(
            r#"{"categories":[{"code":"a","name":"x","deadline_hours":[1,0,3,4]}]}"#,
        );
        assert!(e.unwrap_err().to_string().contains("positive hours"));
        assert_eq!(
            Catalogue::from_json(r#"{"categories":[]}"#),
            Err(CatalogueError::Empty)
        );
        assert!(matches!(
            Catalogue::from_json("[]"),
            Err(CatalogueError::Json(_))
        ));
    }
}
