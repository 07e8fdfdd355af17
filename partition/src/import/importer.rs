use std::io::Read;
use std::path::Path;

use serde_json::value::RawValue;

use super::geojson::{Document, feature_into_layers, for_each_feature};
use super::osm::{OsmAdmin, read_pbf};
use super::{FieldMap, ImportError, ImportReport, Limits};
use crate::model::{DivisionCode, LayerKind, Layers};
use crate::validate::Problem;

/// Settings that apply to every input of one import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub limits: Limits,
    pub fields: FieldMap,
    /// The 6-digit county code, used to code admin units that come without
    /// one (OSM boundaries, the default unit).
    pub county: Option<u32>,
    /// The OSM admin levels read as towns and villages.
    pub admin_levels: super::AdminLevels,
}

/// Collects the layers of several inputs and one report over all of them.
pub struct Importer {
    opts: ImportOptions,
    layers: Layers,
    osm_admin: Vec<OsmAdmin>,
    report: ImportReport,
}

impl Importer {
    pub fn new(opts: ImportOptions) -> Self {
        Self {
            opts,
            layers: Layers::default(),
            osm_admin: Vec::new(),
            report: ImportReport::default(),
        }
    }

    pub fn report(&self) -> &ImportReport {
        &self.report
    }

    fn read_file(&self, path: &Path) -> Result<Vec<u8>, ImportError> {
        let io = |source| ImportError::Io {
            path: path.to_path_buf(),
            source,
        };
        // A device or a pipe has no length to check against the limit:
        // /dev/zero would be read until memory runs out, and opening a pipe
        // blocks until a writer comes, so the kind is checked before `open`.
        if !std::fs::metadata(path).map_err(io)?.is_file() {
            return Err(ImportError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(ImportError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let size = meta.len();
        let limit = self.opts.limits.max_file_bytes;
        if size > limit {
            return Err(ImportError::TooLarge {
                source_name: path.display().to_string(),
                size,
                limit,
            });
        }
        let mut bytes = Vec::with_capacity(size as usize);
        // `take` guards against a file that grows while it is read.
        file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
        if bytes.len() as u64 > limit {
            return Err(ImportError::TooLarge {
                source_name: path.display().to_string(),
                size: bytes.len() as u64,
                limit,
            });
        }
        if bytes.is_empty() {
            return Err(ImportError::EmptyFile {
                source_name: path.display().to_string(),
            });
        }
        Ok(bytes)
    }

    pub fn read_pbf_file(&mut self, path: &Path) -> Result<(), ImportError> {
        let bytes = self.read_file(path)?;
        self.read_pbf_slice(&source_name(path), &bytes)
    }

    pub fn read_pbf_slice(&mut self, source: &str, bytes: &[u8]) -> Result<(), ImportError> {
        if bytes.is_empty() {
            return Err(ImportError::EmptyFile {
                source_name: source.to_string(),
            });
        }
        let mut local = Layers::default();
        let mut admin = Vec::new();
        read_pbf(
            source,
            bytes,
            &self.opts.limits,
            &mut local,
            &mut admin,
            &mut self.report,
        )?;
        for kind in LayerKind::ALL {
            if local.count(kind) > 0 || (kind == LayerKind::Admin && !admin.is_empty()) {
                local.supplied.insert(kind);
            }
        }
        self.layers.extend(local);
        self.osm_admin.extend(admin);
        Ok(())
    }

    pub fn read_geojson_file(&mut self, path: &Path, kind: LayerKind) -> Result<(), ImportError> {
        let bytes = self.read_file(path)?;
        self.read_geojson_slice(&source_name(path), &bytes, kind)
    }

    pub fn read_geojson_slice(
        &mut self,
        source: &str,
        bytes: &[u8],
        kind: LayerKind,
    ) -> Result<(), ImportError> {
        // Windows tools write a UTF-8 byte-order mark; JSON has no place for it.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ImportError::EmptyFile {
                source_name: source.to_string(),
            });
        }
        let mut local = Layers::default();
        let ctx = super::geojson::Ctx {
            fields: &self.opts.fields,
            limits: &self.opts.limits,
        };
        let report = &mut self.report;
        let max = self.opts.limits.max_features;
        let mut index = 0usize;
        let mut over_limit = false;
        let result = for_each_feature(bytes, &mut |raw: &RawValue| {
            index += 1;
            if index > max {
                over_limit = true;
                return Err("per-file feature limit reached".to_string());
            }
            let fallback = format!("#{}", index - 1);
            match serde_json::from_str::<geojson::Feature>(raw.get()) {
                Ok(f) => {
                    let (id, outcome) = feature_into_layers(f, fallback, kind, &ctx, &mut local);
                    report.record(source, kind, &id, outcome.as_deref());
                }
                Err(e) => {
                    let p = Problem::Attribute(format!("not a valid GeoJSON feature: {e}"));
                    report.record(source, kind, &fallback, Err(&p));
                }
            }
            Ok(())
        });
        if over_limit {
            return Err(ImportError::TooManyFeatures {
                source_name: source.to_string(),
                limit: max,
            });
        }
        match result {
            Ok(Document::Collection) => {}
            Ok(Document::Single) => {
                let doc: geojson::GeoJson = serde_json::from_slice(bytes)
                    .map_err(|e| ImportError::NotGeoJson { source_name: source.to_string(), message: e.to_string() })?;
                let feature = match doc {
                    geojson::GeoJson::Feature(f) => f,
                    geojson::GeoJson::Geometry(g) => geojson::Feature::from(g),
                    geojson::GeoJson::FeatureCollection(_) => {
                        return Err(ImportError::NotGeoJson { source_name: source.to_string(), message: "unexpected collection".into() });
                    }
                };
                let (id, outcome) = feature_into_layers(feature, "#0".into(), kind, &ctx, &mut local);
                report.record(source, kind, &id, outcome.as_deref());
            }
            Err(e) if index == 0 => {
                return Err(if e.is_data() {
                    ImportError::NotGeoJson { source_name: source.to_string(), message: strip_position(&e) }
                } else {
                    ImportError::MalformedJson {
                        source_name: source.to_string(),
                        line: e.line(),
                        column: e.column(),
                        message: strip_position(&e),
                    }
                });
            }
            Err(e) => report.input_errors.push(format!(
                "{source}: malformed JSON at line {}, column {} ({}); kept what was read before it ({index} features)",
                e.line(),
                e.column(),
                strip_position(&e)
            )),
        }
        if local.count(kind) > 0 {
            local.supplied.insert(kind);
        }
        self.layers.extend(local);
        Ok(())
    }

    /// The layers and the report. OSM boundaries get statistical codes
    /// here: `{county}{town:03}000` for towns, numbered west to east, and
    /// `{town}{village:03}` for the villages inside them.
    pub fn finish(mut self) -> (Layers, ImportReport) {
        let county = self.opts.county.unwrap_or(PLACEHOLDER_COUNTY);
        if !self.osm_admin.is_empty() {
            super::osm_levels::code_osm_admin(
                county,
                std::mem::take(&mut self.osm_admin),
                &self.opts.admin_levels,
                &mut self.layers,
                &mut self.report,
            );
        }
        drop_duplicate_codes(&mut self.layers, &mut self.report);
        (self.layers, self.report)
    }
}

/// Keeps the first admin unit of each division code: a second one (two
/// inputs naming the same village, a copy-pasted row) is skipped and
/// named, not left for the store's UNIQUE constraint to refuse the whole
/// import with an SQL message.
fn drop_duplicate_codes(layers: &mut Layers, report: &mut ImportReport) {
    let mut first: std::collections::HashMap<DivisionCode, String> =
        std::collections::HashMap::new();
    let mut dropped = Vec::new();
    layers.admin.retain(|u| match first.get(&u.code) {
        Some(kept) => {
            dropped.push((u.id.0.clone(), u.code, kept.clone()));
            false
        }
        None => {
            first.insert(u.code, u.id.0.clone());
            true
        }
    });
    for (id, code, kept) in dropped {
        report.drop_imported(
            LayerKind::Admin,
            &id,
            Problem::Attribute(format!("division code {code} is already used by {kept}")),
        );
    }
}

/// The county part used when no `--county` is given.
pub(crate) const PLACEHOLDER_COUNTY: u32 = 999_999;

fn source_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
