//! The roster: grid workers, their role and the grids they serve, read from
//! a CSV (`id,name,role,grids[,phone]`, grids separated by `;`) or a JSON
//! array of the same fields.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A worker's id as the county's roster gives it (also the OsmAnd `id` a
/// phone reports with).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WorkerId(String);

impl WorkerId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<Self, RosterError> {
        let t = s.trim();
        let ok = !t.is_empty()
            && t.len() <= Self::MAX_LEN
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(Self(t.to_owned()))
        } else {
            Err(RosterError::BadId(s.chars().take(80).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WorkerId {
    type Error = RosterError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<WorkerId> for String {
    fn from(w: WorkerId) -> Self {
        w.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A worker's post in the grid team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkerRole {
    /// 网格长: leads a grid's team.
    Leader,
    /// 专职网格员: full-time; the online and patrol figures are about them.
    FullTime,
    /// 兼职网格员: part-time.
    PartTime,
}

impl WorkerRole {
    pub const ALL: [Self; 3] = [Self::Leader, Self::FullTime, Self::PartTime];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Leader => "leader",
            Self::FullTime => "full_time",
            Self::PartTime => "part_time",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Self::Leader => "网格长",
            Self::FullTime => "专职网格员",
            Self::PartTime => "兼职网格员",
        }
    }

    /// The English name or the Chinese title.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|r| t.eq_ignore_ascii_case(r.as_str()) || t == r.chinese())
            .or(match t {
                "专职" => Some(Self::FullTime),
                "兼职" => Some(Self::PartTime),
                _ => None,
            })
    }
}

/// One worker of the roster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Worker {
    pub id: WorkerId,
    pub name: String,
    pub role: WorkerRole,
    /// Grid codes served (15 digits).
    pub grids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RosterError {
    #[error("worker id {0:?} is not 1–64 letters, digits, '-', '_' or '.'")]
    BadId(String),
    #[error("{at}: {what}")]
    Row { at: String, what: String },
    #[error("the roster is empty")]
    Empty,
    #[error("worker {0} appears twice")]
    Duplicate(WorkerId),
    #[error("the CSV header must be id,name,role,grids[,phone]; found {0:?}")]
    Header(String),
    #[error("the roster is not valid {format}: {message}")]
    Syntax {
        format: &'static str,
        message: String,
    },
}

fn grid_codes(s: &str) -> Result<Vec<String>, String> {
    let mut codes = Vec::new();
    for c in s
        .split([';', '；'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        if c.len() != 15 || !c.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("grid code {c:?} is not 15 digits"));
        }
        codes.push(c.to_owned());
    }
    codes.sort();
    codes.dedup();
    Ok(codes)
}

fn checked(
    at: String,
    id: &str,
    name: &str,
    role: &str,
    grids: Result<Vec<String>, String>,
    phone: Option<&str>,
) -> Result<Worker, RosterError> {
    let row = |what: String| RosterError::Row {
        at: at.clone(),
        what,
    };
    let id = WorkerId::parse(id).map_err(|e| row(e.to_string()))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(row(format!(
            "worker {id}: a name of 1–64 characters is needed"
        )));
    }
    let role = WorkerRole::parse(role).ok_or_else(|| {
        row(format!(
            "worker {id}: role {role:?} is none of leader/网格长, full_time/专职网格员, part_time/兼职网格员"
        ))
    })?;
    let grids = grids.map_err(|e| row(format!("worker {id}: {e}")))?;
    let phone = phone.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = phone
        && (p.len() > 32 || !p.chars().all(|c| c.is_ascii_digit() || "+- ()".contains(c)))
    {
        return Err(row(format!(
            "worker {id}: phone {p:?} is not a phone number"
        )));
    }
    Ok(Worker {
        id,
        name: name.to_owned(),
        role,
        grids,
        phone: phone.map(str::to_owned),
    })
}

fn no_duplicates(workers: Vec<Worker>) -> Result<Vec<Worker>, RosterError> {
    if workers.is_empty() {
        return Err(RosterError::Empty);
    }
    let mut seen = BTreeSet::new();
    for w in &workers {
        if !seen.insert(&w.id) {
            return Err(RosterError::Duplicate(w.id.clone()));
        }
    }
    Ok(workers)
}

/// Reads a CSV roster (a UTF-8 BOM is allowed).
pub fn from_csv(text: &str) -> Result<Vec<Worker>, RosterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = r
        .headers()
        .map_err(|e| RosterError::Syntax {
            format: "CSV",
            message: e.to_string(),
        })?
        .clone();
    let names: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
    if !(names.len() == 4 || names.len() == 5)
        || names[..4] != ["id", "name", "role", "grids"]
        || names.get(4).is_some_and(|p| p != "phone")
    {
        return Err(RosterError::Header(
            header.iter().collect::<Vec<_>>().join(","),
        ));
    }
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| RosterError::Row {
            at: format!("line {line}"),
            what: e.to_string(),
        })?;
        let f = |k: usize| rec.get(k).unwrap_or("");
        out.push(checked(
            format!("line {line}"),
            f(0),
            f(1),
            f(2),
            grid_codes(f(3)),
            rec.get(4),
        )?);
    }
    no_duplicates(out)
}

/// A worker as JSON gives it: grids as an array or a `;` list.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonWorker {
    id: String,
    name: String,
    role: String,
    #[serde(default)]
    grids: JsonGrids,
    #[serde(default)]
    phone: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(untagged)]
enum JsonGrids {
    #[default]
    None,
    List(Vec<String>),
    Text(String),
}

/// Reads a JSON array of workers.
pub fn from_json(text: &str) -> Result<Vec<Worker>, RosterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let items: Vec<JsonWorker> = serde_json::from_str(text).map_err(|e| RosterError::Syntax {
        format: "JSON (an array of {id, name, role, grids, phone})",
        message: e.to_string(),
    })?;
    from_items(items)
}

/// Reads workers from an already parsed JSON value (the API's body).
pub fn from_value(v: serde_json::Value) -> Result<Vec<Worker>, RosterError> {
    let items: Vec<JsonWorker> = serde_json::from_value(v).map_err(|e| RosterError::Syntax {
        format: "JSON (an array of {id, name, role, grids, phone})",
        message: e.to_string(),
    })?;
    from_items(items)
}

fn from_items(items: Vec<JsonWorker>) -> Result<Vec<Worker>, RosterError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, w) in items.into_iter().enumerate() {
        let grids = match w.grids {
            JsonGrids::None => Ok(Vec::new()),
            JsonGrids::Text(t) => grid_codes(&t),
            JsonGrids::List(l) => grid_codes(&l.join(";")),
        };
        out.push(checked(
            format!("item {i}"),
            &w.id,
            &w.name,
            &w.role,
            grids,
            w.phone.as_deref(),
        )?);
    }
    no_duplicates(out)
}

/// Assignments to grid codes the plan in force does not have, by worker.
pub fn stale_assignments(
    workers: &[Worker],
    plan_has: impl Fn(&str) -> bool,
) -> Vec<(&WorkerId, Vec<&str>)> {
    workers
        .iter()
        .filter_map(|w| {
            let gone: Vec<&str> = w
                .grids
                .iter()
                .map(String::as_str)
                .filter(|c| !plan_has(c))
                .collect();
            (!gone.is_empty()).then_some((&w.id, gone))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const G1: &str = "360681001001001";
    const G2: &str = "360681001001002";

    #[test]
    fn csv_with_chinese_roles_and_a_bom() {
        let text = format!(
            "\u{feff}id,name,role,grids,phone\nw1,张三,专职网格员,{G1};{G2},13800000000\nw2,李四,网格长,{G1},\n"
        );
        let r = from_csv(&text).expect("roster");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].role, WorkerRole::FullTime);
        assert_eq!(r[0].grids, vec![G1, G2]);
        assert_eq!(r[1].phone, None);
    }

    #[test]
    fn csv_errors_name_the_line() {
        let e = from_csv(&format!("id,name,role,grids\nw1,张三,boss,{G1}\n")).unwrap_err();
        assert!(e.to_string().starts_with("line 2: worker w1: role"), "{e}");
        let e = from_csv("id,name,grids\n").unwrap_err();
        assert!(matches!(e, RosterError::Header(_)), "{e}");
        let e = from_csv("id,name,role,grids\nw1,a,leader,123\n").unwrap_err();
        assert!(e.to_string().contains("not 15 digits"), "{e}");
        let e = from_csv(&format!(
            "id,name,role,grids\nw1,a,leader,{G1}\nw1,b,leader,{G2}\n"
        ))
        .unwrap_err();
        assert_eq!(e, RosterError::Duplicate(WorkerId::parse("w1").unwrap()));
        assert!(matches!(
            from_csv("id,name,role,grids\n"),
            Err(RosterError::Empty)
        ));
    }

    #[test]
    fn json_takes_a_list_or_text_of_grids() {
        let r = from_json(&format!(
            r#"[{{"id":"w1","name":"王五","role":"part_time","grids":["{G2}","{G1}"]}},
                {{"id":"w2","name":"赵六","role":"兼职网格员","grids":"{G1}"}}]"#
        ))
        .expect("roster");
        assert_eq!(r[0].grids, vec![G1, G2]);
        assert_eq!(r[1].role, WorkerRole::PartTime);
        let e = from_json(r#"[{"id":"bad id","name":"x","role":"leader"}]"#).unwrap_err();
        assert!(e.to_string().contains("item 0"), "{e}");
        assert!(matches!(from_json("{"), Err(RosterError::Syntax { .. })));
    }

    #[test]
    fn stale_assignments_are_listed() {
        let r = from_csv(&format!("id,name,role,grids\nw1,a,leader,{G1};{G2}\n")).unwrap();
        let stale = stale_assignments(&r, |c| c == G1);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].1, vec![G2]);
    }
}
