//! A rule's filter, written both as a QGIS expression (QML) and as an OGC
//! filter (SLD), so the two styles of a layer select the same features.

use std::fmt::Write as _;

use super::qml::esc;

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `lo ≤ column < hi`, either end open.
    Range {
        column: &'static str,
        lo: Option<f64>,
        hi: Option<f64>,
    },
    Equals {
        column: &'static str,
        value: String,
    },
    In {
        column: &'static str,
        values: Vec<String>,
    },
    /// Neither NULL nor ''.
    Filled(&'static str),
    /// NULL or ''.
    Blank(&'static str),
    All(Vec<Filter>),
    /// What no other rule of the style draws.
    Else,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Filter {
    pub fn qgis(&self) -> String {
        match self {
            Filter::Range { column, lo, hi } => {
                let mut parts = Vec::new();
                if let Some(lo) = lo {
                    parts.push(format!(r#""{column}" >= {lo}"#));
                }
                if let Some(hi) = hi {
                    parts.push(format!(r#""{column}" < {hi}"#));
                }
                if parts.is_empty() {
                    "TRUE".into()
                } else {
                    parts.join(" AND ")
                }
            }
            Filter::Equals { column, value } => format!(r#""{column}" = {}"#, quote(value)),
            Filter::In { column, values } => format!(
                r#""{column}" IN ({})"#,
                values
                    .iter()
                    .map(|v| quote(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Filter::Filled(c) => format!(r#"coalesce("{c}", '') <> ''"#),
            Filter::Blank(c) => format!(r#"coalesce("{c}", '') = ''"#),
            Filter::All(fs) => fs
                .iter()
                .map(|f| format!("({})", f.qgis()))
                .collect::<Vec<_>>()
                .join(" AND "),
            Filter::Else => "ELSE".into(),
        }
    }

    /// The filter's body inside `<ogc:Filter>`.
    pub fn ogc(&self) -> String {
        let prop = |c: &str| format!("<ogc:PropertyName>{}</ogc:PropertyName>", esc(c));
        let lit = |v: &str| format!("<ogc:Literal>{}</ogc:Literal>", esc(v));
        let cmp =
            |op: &str, c: &str, v: &str| format!("<ogc:{op}>{}{}</ogc:{op}>", prop(c), lit(v));
        match self {
            Filter::Range { column, lo, hi } => {
                let mut parts = Vec::new();
                if let Some(lo) = lo {
                    parts.push(cmp(
                        "PropertyIsGreaterThanOrEqualTo",
                        column,
                        &lo.to_string(),
                    ));
                }
                if let Some(hi) = hi {
                    parts.push(cmp("PropertyIsLessThan", column, &hi.to_string()));
                }
                and(parts)
            }
            Filter::Equals { column, value } => cmp("PropertyIsEqualTo", column, value),
            Filter::In { column, values } => {
                let mut out = String::from("<ogc:Or>");
                for v in values {
                    out.push_str(&cmp("PropertyIsEqualTo", column, v));
                }
                out.push_str("</ogc:Or>");
                out
            }
            Filter::Filled(c) => format!(
                "<ogc:And><ogc:Not><ogc:PropertyIsNull>{}</ogc:PropertyIsNull></ogc:Not>{}</ogc:And>",
                prop(c),
                cmp("PropertyIsNotEqualTo", c, "")
            ),
            Filter::Blank(c) => format!(
                "<ogc:Or><ogc:PropertyIsNull>{}</ogc:PropertyIsNull>{}</ogc:Or>",
                prop(c),
                cmp("PropertyIsEqualTo", c, "")
            ),
            Filter::All(fs) => and(fs.iter().map(Filter::ogc).collect()),
            Filter::Else => String::new(),
        }
    }
}

fn and(parts: Vec<String>) -> String {
    match parts.len() {
        0 => String::new(),
        1 => parts.into_iter().next().unwrap_or_default(),
        _ => {
            let mut out = String::from("<ogc:And>");
            for p in parts {
                let _ = write!(out, "{p}");
            }
            out.push_str("</ogc:And>");
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_reads_the_same_in_both_languages() {
        let f = Filter::All(vec![
            Filter::Blank("dedicated"),
            Filter::Range {
                column: "households",
                lo: Some(225.0),
                hi: Some(300.0),
            },
        ]);
        assert_eq!(
            f.qgis(),
            r#"(coalesce("dedicated", '') = '') AND ("households" >= 225 AND "households" < 300)"#
        );
        let ogc = f.ogc();
        assert!(ogc.starts_with("<ogc:And><ogc:Or><ogc:PropertyIsNull>"));
        assert!(ogc.contains("<ogc:PropertyIsLessThan><ogc:PropertyName>households</ogc:PropertyName><ogc:Literal>300</ogc:Literal>"));
        assert_eq!(
            Filter::Equals {
                column: "level",
                value: "o'clock".into()
            }
            .qgis(),
            r#""level" = 'o''clock'"#
        );
    }
}
