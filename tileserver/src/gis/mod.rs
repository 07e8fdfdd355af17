//! What GIS staff find when they open wangge's data in QGIS or GDAL: the
//! meaning of every column (`fields`), the web map's colours (`palette`,
//! `cartography`) and the layer styles made from them (`styles`, written as
//! QML by `qml` and as SLD by `sld`, with rule filters from `filter`).

pub mod cartography;
pub mod fields;
pub mod filter;
pub mod palette;
pub mod qml;
pub mod sld;
pub mod styles;
