//! GeoJSON (RFC 7946) input, one file per layer.

mod convert;
mod stream;

pub(crate) use convert::{Ctx, feature_into_layers};
pub(crate) use stream::{Document, for_each_feature};
