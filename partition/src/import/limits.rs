/// Size limits on inputs. Every reader checks them before it allocates for
/// the input, so a hostile or mistaken file gives an error, not an OOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file, bytes.
    pub max_file_bytes: u64,
    /// Most vertices one feature may have.
    pub max_feature_vertices: usize,
    /// Most features one file may hold.
    pub max_features: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 4 << 30,
            max_feature_vertices: 1_000_000,
            max_features: 20_000_000,
        }
    }
}
