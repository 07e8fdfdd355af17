use std::collections::BTreeMap;

use serde_json::Value;

use crate::LayerKind;

/// The attributes wangge reads from GeoJSON properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldRole {
    Population,
    Households,
    Levels,
    Height,
    Code,
    Name,
    Level,
    Kind,
}

impl FieldRole {
    pub const ALL: [FieldRole; 8] = [
        Self::Population,
        Self::Households,
        Self::Levels,
        Self::Height,
        Self::Code,
        Self::Name,
        Self::Level,
        Self::Kind,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Population => "population",
            Self::Households => "households",
            Self::Levels => "levels",
            Self::Height => "height",
            Self::Code => "code",
            Self::Name => "name",
            Self::Level => "level",
            Self::Kind => "kind",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Property names tried, in order, when the user maps none.
    fn defaults(self) -> &'static [&'static str] {
        match self {
            Self::Population => &["population", "pop", "residents", "人口", "常住人口"],
            Self::Households => &["households", "hh", "户数"],
            Self::Levels => &["building:levels", "levels", "floors", "层数"],
            Self::Height => &["height", "高度"],
            Self::Code => &["code", "adcode", "division_code", "区划代码"],
            Self::Name => &["name", "名称", "name:zh"],
            Self::Level => &["level", "admin_level_name", "级别"],
            Self::Kind => &[
                "kind", "building", "highway", "railway", "waterway", "class", "type", "fclass",
                "landuse", "amenity", "natural", "类型",
            ],
        }
    }
}

/// Which GeoJSON property holds each attribute: `--field population=POP`
/// overrides the default names in every layer, `--field
/// buildings.population=POP` in one layer only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    explicit: BTreeMap<(Option<LayerKind>, FieldRole), String>,
}

type Props = serde_json::Map<String, Value>;

impl FieldMap {
    /// Parses `[layer.]role=property`.
    pub fn set_from_arg(&mut self, arg: &str) -> Result<(), String> {
        let (target, prop) = arg
            .split_once('=')
            .ok_or_else(|| format!("field mapping {arg:?} is not [LAYER.]ROLE=PROPERTY"))?;
        let (layer, role) = match target.split_once('.') {
            Some((layer, role)) => {
                let kind = LayerKind::parse(layer.trim()).ok_or_else(|| {
                    let known: Vec<_> = LayerKind::ALL.iter().map(|k| k.as_str()).collect();
                    format!(
                        "unknown layer {layer:?} in field mapping; known: {}",
                        known.join(", ")
                    )
                })?;
                (Some(kind), role)
            }
            None => (None, target),
        };
        let role = FieldRole::parse(role.trim()).ok_or_else(|| {
            let roles: Vec<_> = FieldRole::ALL.iter().map(|r| r.as_str()).collect();
            format!("unknown field role {role:?}; known: {}", roles.join(", "))
        })?;
        if prop.trim().is_empty() {
            return Err(format!("field mapping {arg:?} names no property"));
        }
        self.explicit.insert((layer, role), prop.trim().to_string());
        Ok(())
    }

    /// The value of a role in a feature's properties, if any: the layer's
    /// own mapping, else the mapping for every layer, else the defaults.
    pub fn get<'a>(
        &self,
        layer: LayerKind,
        props: &'a Props,
        role: FieldRole,
    ) -> Option<&'a Value> {
        let explicit = self
            .explicit
            .get(&(Some(layer), role))
            .or_else(|| self.explicit.get(&(None, role)));
        if let Some(name) = explicit {
            return props.get(name).filter(|v| !v.is_null());
        }
        role.defaults()
            .iter()
            .find_map(|n| props.get(*n).filter(|v| !v.is_null()))
    }

    /// A number, from a JSON number or a numeric string. `Err` names the
    /// property's bad value.
    pub fn number(
        &self,
        layer: LayerKind,
        props: &Props,
        role: FieldRole,
    ) -> Result<Option<f64>, String> {
        let bad = |v: &dyn std::fmt::Display| {
            format!("{} {v} is not a non-negative number", role.as_str())
        };
        match self.get(layer, props, role) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(Some)
                .ok_or_else(|| bad(n)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(Some)
                .ok_or_else(|| bad(&format!("{s:?}"))),
            Some(other) => Err(format!("{} {other} is not a number", role.as_str())),
        }
    }

    /// A string, from a JSON string or number.
    pub fn text(&self, layer: LayerKind, props: &Props, role: FieldRole) -> Option<String> {
        match self.get(layer, props, role)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn layer_mapping_wins_over_global_over_defaults() {
        let mut m = FieldMap::default();
        let props = json!({"population": 5, "POP20": "12"});
        let props = props.as_object().unwrap();
        let b = LayerKind::Buildings;
        assert_eq!(m.number(b, props, FieldRole::Population), Ok(Some(5.0)));
        m.set_from_arg("buildings.population=POP20").unwrap();
        assert_eq!(m.number(b, props, FieldRole::Population), Ok(Some(12.0)));
        assert_eq!(
            m.number(LayerKind::Admin, props, FieldRole::Population),
            Ok(Some(5.0))
        );
        m.set_from_arg("population=POP20").unwrap();
        assert_eq!(
            m.number(LayerKind::Admin, props, FieldRole::Population),
            Ok(Some(12.0))
        );
        assert!(m.set_from_arg("nonsense=x").is_err());
        assert!(m.set_from_arg("roofs.population=x").is_err());
        assert!(m.set_from_arg("population").is_err());
    }

    #[test]
    fn bad_numbers_are_named() {
        let m = FieldMap::default();
        let props = json!({"levels": "abc"});
        let err = m
            .number(
                LayerKind::Buildings,
                props.as_object().unwrap(),
                FieldRole::Levels,
            )
            .unwrap_err();
        assert!(err.contains("levels") && err.contains("abc"), "{err}");
    }
}
