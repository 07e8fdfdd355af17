use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// What the top level of a GeoJSON document was.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Document {
    /// A FeatureCollection; its features went to the callback.
    Collection,
    /// A single Feature or Geometry: the caller parses it whole.
    Single,
}

/// Streams the features of a FeatureCollection to `each` without building
/// the whole collection in memory. Hand-written because geojson's
/// `FeatureReader` skips to the first `[` in the file and so misreads any
/// collection that has a `bbox` before its `features`. Each feature arrives
/// unparsed, so one bad feature is one skipped feature, not a failed file.
pub(crate) fn for_each_feature<'de, F>(
    bytes: &'de [u8],
    each: &mut F,
) -> Result<Document, serde_json::Error>
where
    F: FnMut(&'de RawValue) -> Result<(), String>,
{
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let doc = TopSeed { each }.deserialize(&mut de)?;
    de.end()?;
    Ok(doc)
}

struct TopSeed<'f, F> {
    each: &'f mut F,
}

impl<'de, F> DeserializeSeed<'de> for TopSeed<'_, F>
where
    F: FnMut(&'de RawValue) -> Result<(), String>,
{
    type Value = Document;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Document, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F> Visitor<'de> for TopSeed<'_, F>
where
    F: FnMut(&'de RawValue) -> Result<(), String>,
{
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a GeoJSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut kind: Option<String> = None;
        let mut saw_features = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "features" => {
                    map.next_value_seed(FeaturesSeed {
                        each: &mut *self.each,
                    })?;
                    saw_features = true;
                }
                "type" => kind = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        match kind.as_deref() {
            Some("FeatureCollection") if saw_features => Ok(Document::Collection),
            Some("FeatureCollection") => {
                Err(de::Error::custom("FeatureCollection without \"features\""))
            }
            Some(
                "Feature" | "Point" | "MultiPoint" | "LineString" | "MultiLineString" | "Polygon"
                | "MultiPolygon" | "GeometryCollection",
            ) => Ok(Document::Single),
            Some(other) => Err(de::Error::custom(format!("unknown GeoJSON type {other:?}"))),
            None => Err(de::Error::custom("object without a \"type\" member")),
        }
    }
}

struct FeaturesSeed<'f, F> {
    each: &'f mut F,
}

impl<'de, F> DeserializeSeed<'de> for FeaturesSeed<'_, F>
where
    F: FnMut(&'de RawValue) -> Result<(), String>,
{
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F> Visitor<'de> for FeaturesSeed<'_, F>
where
    F: FnMut(&'de RawValue) -> Result<(), String>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            (self.each)(raw).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_features_after_a_bbox() {
        let doc =
            br#"{"bbox":[0,0,1,1],"type":"FeatureCollection","features":[{"a":1},{"b":[2]}]}"#;
        let mut seen = Vec::new();
        let r = for_each_feature(doc, &mut |raw: &RawValue| {
            seen.push(raw.get().to_string());
            Ok(())
        });
        assert_eq!(r.unwrap(), Document::Collection);
        assert_eq!(seen, vec![r#"{"a":1}"#, r#"{"b":[2]}"#]);
    }

    #[test]
    fn truncated_input_errors_after_delivering_what_was_read() {
        let doc = br#"{"type":"FeatureCollection","features":[{"a":1},{"b":"#;
        let mut n = 0;
        let r = for_each_feature(doc, &mut |_: &RawValue| {
            n += 1;
            Ok(())
        });
        assert!(r.is_err());
        assert_eq!(n, 1);
    }

    #[test]
    fn single_feature_and_unknown_types() {
        let mut f = |_: &RawValue| Ok(());
        assert_eq!(
            for_each_feature(br#"{"type":"Feature","geometry":null}"#, &mut f).unwrap(),
            Document::Single
        );
        assert!(for_each_feature(br#"{"type":"Banana"}"#, &mut f).is_err());
        assert!(for_each_feature(br#"[1,2]"#, &mut f).is_err());
    }
}
