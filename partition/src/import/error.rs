use std::path::PathBuf;

/// Why an input file could not be read at all. Problems with single
/// features are not errors: they are [`Issue`](super::Issue)s in the report.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{source_name}: {size} bytes is over the input limit of {limit} bytes (raise it with --max-input-mb)"
    )]
    TooLarge {
        source_name: String,
        size: u64,
        limit: u64,
    },
    #[error("{source_name}: empty file")]
    EmptyFile { source_name: String },
    #[error("{path}: not a regular file (a device, pipe or folder); give a file")]
    NotAFile { path: PathBuf },
    #[error("{source_name}: malformed JSON at line {line}, column {column}: {message}")]
    MalformedJson {
        source_name: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{source_name}: not GeoJSON: {message}")]
    NotGeoJson {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: not a readable OSM PBF: {message}")]
    BadPbf {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: more than {limit} features (the per-file limit)")]
    TooManyFeatures { source_name: String, limit: usize },
    #[error("{path}: census table: {message}")]
    Census { path: PathBuf, message: String },
}
