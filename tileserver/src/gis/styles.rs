//! The default style of every layer wangge writes: grids graduated by the
//! plan's measure in the web map's palette (dedicated grids apart, labels
//! with name, code and households), cells, blocks, towns and villages, and
//! the basemap layers, each as QML and SLD.

use partition::LayerKind;
use partition::grids::Band;

use super::cartography as carto;
use super::fields::{Layer, fields};
use super::filter::Filter;
use super::palette::{Rgb, Shade, fill_alpha, palette, stops};
use super::qml::{Colour, Labels, Renderer, Style, Symbol};
use super::sld::sld;

/// One row of `layer_styles`.
#[derive(Debug, Clone)]
pub struct LayerStyle {
    pub table: String,
    pub name: String,
    pub description: String,
    pub default: bool,
    pub qml: String,
    pub sld: String,
}

fn num(v: f64) -> String {
    format!("{v:.0}")
}

/// Grids (or cells) graduated by `shade` with the web map's stops for
/// `band`: each class mixes its two stop colours per feature, as MapLibre's
/// `interpolate` does, so QGIS draws a grid in the web map's colour.
pub fn grid_style(shade: Shade, band: &Band, cells: bool) -> Style {
    let p = palette();
    let s = stops(shade, band);
    let alpha = fill_alpha();
    let ramp = p.ramp.each_ref().map(|c| Rgb::hex(c));
    let line = Colour::solid(&p.grid_line);
    let width = if cells { 0.2 } else { 0.5 };
    let column = shade.column();
    let unit = shade.unit();
    let mut rules = vec![(
        "专属网格 dedicated".to_string(),
        Filter::Filled("dedicated"),
        Symbol::fill(
            Colour {
                rgb: Rgb::hex(&p.dedicated),
                alpha,
            },
            line,
            width,
        ),
    )];
    for i in 0..5 {
        let (lo, hi) = (s[i], s.get(i + 1).copied());
        let label = match hi {
            Some(hi) => format!("{} – {} {unit}", num(lo), num(hi)),
            None => format!("≥ {} {unit}", num(lo)),
        };
        let (class_colour, expression) = match hi {
            Some(hi) if hi > lo => (
                ramp[i].mix(ramp[i + 1], 0.5),
                Some(format!(
                    "color_mix_rgb('{}', '{}', (\"{column}\" - {lo}) / {})",
                    ramp[i].qgis(alpha),
                    ramp[i + 1].qgis(alpha),
                    hi - lo
                )),
            ),
            _ => (ramp[i], None),
        };
        let filter = Filter::All(vec![
            Filter::Blank("dedicated"),
            Filter::Range {
                column,
                lo: (i > 0).then_some(lo),
                hi,
            },
        ]);
        rules.push((
            label,
            filter,
            Symbol::Fill {
                fill: Colour {
                    rgb: class_colour,
                    alpha,
                },
                outline: line,
                outline_width: width,
                dashed: cells,
                fill_expression: expression,
            },
        ));
    }
    let labels = if cells {
        Labels {
            expression: r#""code""#.into(),
            columns: vec!["code"],
            colour: Colour::solid(carto::GRID_LABEL),
            size: 7.0,
            max_scale: 10_000.0,
            along_lines: false,
        }
    } else {
        Labels {
            // As the web map labels grids, whatever the shading.
            expression:
                r#""name" || '\n' || "code" || '\n' || format_number("households", 0) || ' 户'"#
                    .into(),
            columns: vec!["name", "code", "households"],
            colour: Colour::solid(carto::GRID_LABEL),
            size: 9.0,
            max_scale: 50_000.0,
            along_lines: false,
        }
    };
    Style {
        renderer: Renderer::Rules(rules),
        labels: Some(labels),
        fields: fields(Layer::Grids),
        geometry: 2,
        opacity: 1.0,
    }
}

fn line_style(layer: Layer, colour: &str, width: f64, dashed: bool) -> Style {
    Style {
        renderer: Renderer::Single(Symbol::line(Colour::solid(colour), width, dashed)),
        labels: None,
        fields: fields(layer),
        geometry: 1,
        opacity: 1.0,
    }
}

fn admin_style() -> Style {
    Style {
        renderer: Renderer::Rules(vec![
            (
                "乡镇/街道 town".into(),
                Filter::Equals {
                    column: "level",
                    value: "town".into(),
                },
                Symbol::fill(Colour::none(), Colour::solid(carto::TOWN_LINE), 1.0),
            ),
            (
                "村/社区 village".into(),
                Filter::Equals {
                    column: "level",
                    value: "village".into(),
                },
                Symbol::Fill {
                    fill: Colour::none(),
                    outline: Colour::solid(carto::VILLAGE_LINE),
                    outline_width: 0.5,
                    dashed: true,
                    fill_expression: None,
                },
            ),
        ]),
        labels: Some(Labels {
            expression: r#""name""#.into(),
            columns: vec!["name"],
            colour: Colour::solid(carto::TOWN_LABEL),
            size: 10.0,
            max_scale: 150_000.0,
            along_lines: false,
        }),
        fields: fields(Layer::Imported(LayerKind::Admin)),
        geometry: 2,
        opacity: 1.0,
    }
}

fn roads_style() -> Style {
    let rules = carto::ROADS
        .iter()
        .map(|(class, colour, _, w16, _)| {
            (
                class.to_string(),
                Filter::In {
                    column: "class",
                    values: carto::road_classes(class)
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                },
                // The web map's width at zoom 16, in millimetres at 96 dpi.
                Symbol::line(Colour::solid(colour), (w16 * 0.2646).max(0.2), false),
            )
        })
        .chain(std::iter::once((
            "其他 other".to_string(),
            Filter::Else,
            Symbol::line(Colour::solid(carto::ROAD_CASING), 0.2, false),
        )))
        .collect();
    Style {
        renderer: Renderer::Rules(rules),
        labels: Some(Labels {
            expression: r#""name""#.into(),
            columns: vec!["name"],
            colour: Colour::solid(carto::ROAD_LABEL),
            size: 7.0,
            max_scale: 20_000.0,
            along_lines: true,
        }),
        fields: fields(Layer::Imported(LayerKind::Roads)),
        geometry: 1,
        opacity: 1.0,
    }
}

fn landuse_style() -> Style {
    let alpha = (carto::LANDUSE_OPACITY * 255.0).round() as u8;
    let rules = carto::LANDUSE
        .iter()
        .map(|(class, colour)| {
            (
                class.to_string(),
                Filter::Equals {
                    column: "class",
                    value: class.to_string(),
                },
                Symbol::fill(Colour::with_alpha(colour, alpha), Colour::none(), 0.0),
            )
        })
        .chain(std::iter::once((
            "其他 other".to_string(),
            Filter::Else,
            Symbol::fill(
                Colour::with_alpha(carto::LANDUSE_OTHER, alpha),
                Colour::none(),
                0.0,
            ),
        )))
        .collect();
    Style {
        renderer: Renderer::Rules(rules),
        labels: None,
        fields: fields(Layer::Imported(LayerKind::Landuse)),
        geometry: 2,
        opacity: 1.0,
    }
}

fn fill_style(layer: Layer, fill: Colour, outline: Colour, width: f64) -> Style {
    Style {
        renderer: Renderer::Single(Symbol::fill(fill, outline, width)),
        labels: None,
        fields: fields(layer),
        geometry: 2,
        opacity: 1.0,
    }
}

/// The grid and cell bands a plan was made with, read from its stored
/// parameters (`band`, `cells`); where missing, the common residents' band
/// (as the web map falls back) and the cells' default.
pub fn plan_bands(params: &str) -> (Band, Band) {
    let json: serde_json::Value = serde_json::from_str(params).unwrap_or_default();
    let band = |key: &str, or: Band| {
        json.get(key)
            .and_then(serde_json::Value::as_str)
            .and_then(|s| Band::parse(s).ok())
            .unwrap_or(or)
    };
    (band("band", Band::RESIDENTS), band("cells", Band::CELL))
}

/// What a grid layer holds, for its styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridLayer {
    /// Grids (and, in `grids`, cells of every plan).
    Grids,
    Cells,
}

/// The styles of one grid layer: graduated by the band's own measure (the
/// default) and by the other one.
pub fn grid_layer_styles(
    table: &str,
    kind: GridLayer,
    band: &Band,
    cells: &Band,
) -> Vec<LayerStyle> {
    let (band, is_cells) = match kind {
        GridLayer::Grids => (band, false),
        GridLayer::Cells => (cells, true),
    };
    let first = Shade::of(band.measure);
    let second = match first {
        Shade::Households => Shade::Residents,
        Shade::Residents => Shade::Households,
    };
    [first, second]
        .into_iter()
        .map(|shade| {
            let style = grid_style(shade, band, is_cells);
            let (zh, en) = match shade {
                Shade::Households => ("按户数", "by households"),
                Shade::Residents => ("按人口", "by residents"),
            };
            let name = format!("wangge {zh} {en}");
            LayerStyle {
                table: table.to_string(),
                description: format!(
                    "{zh}分级着色（与网页地图同色），专属网格单列，标注名称、编码与{}；Graduated {en} in the web map's colours, dedicated grids apart",
                    if shade == Shade::Households { "户数" } else { "人口" }
                ),
                default: shade == first,
                qml: style.qml(),
                sld: sld(&style, table, &name),
                name,
            }
        })
        .collect()
}

fn one(table: &str, style: Style, zh: &str) -> LayerStyle {
    let name = format!("wangge {zh}");
    LayerStyle {
        table: table.to_string(),
        description: format!("{zh}：与网页地图同色 (as the web map draws it)"),
        default: true,
        qml: style.qml(),
        sld: sld(&style, table, &name),
        name,
    }
}

/// Styles of every table of a wangge GeoPackage but the grid layers.
pub fn basemap_styles() -> Vec<LayerStyle> {
    let water = Colour::solid(carto::WATER);
    vec![
        one(
            "blocks",
            line_style(Layer::Blocks, carto::BLOCK_LINE, 0.2, true),
            "街区",
        ),
        one("admin", admin_style(), "乡镇与村社区"),
        one(
            "buildings",
            fill_style(
                Layer::Imported(LayerKind::Buildings),
                Colour::solid(carto::BUILDING),
                Colour::solid(carto::BUILDING_OUTLINE),
                0.1,
            ),
            "建筑",
        ),
        one("roads", roads_style(), "道路"),
        one(
            "railways",
            line_style(
                Layer::Imported(LayerKind::Railways),
                carto::RAILWAY,
                0.4,
                true,
            ),
            "铁路",
        ),
        one(
            "waterways",
            line_style(
                Layer::Imported(LayerKind::Waterways),
                carto::WATER,
                0.5,
                false,
            ),
            "河流水渠",
        ),
        one(
            "water",
            fill_style(
                Layer::Imported(LayerKind::Water),
                water,
                Colour::none(),
                0.0,
            ),
            "水域",
        ),
        one(
            "sites",
            fill_style(
                Layer::Imported(LayerKind::Sites),
                Colour::with_alpha(&palette().dedicated, 60),
                Colour::solid(&palette().dedicated),
                0.3,
            ),
            "专属场所",
        ),
        one("landuse", landuse_style(), "土地利用"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use partition::blocks::Measure;

    #[test]
    fn grid_classes_cover_the_ramp_and_set_dedicated_apart() {
        let band = Band::HOUSEHOLDS;
        let style = grid_style(Shade::Households, &band, false);
        let Renderer::Rules(rules) = &style.renderer else {
            panic!("grids are drawn by rules");
        };
        assert_eq!(rules.len(), 6);
        assert_eq!(rules[0].1, Filter::Filled("dedicated"));
        assert_eq!(rules[1].0, "0 – 225 户");
        assert_eq!(rules[5].0, "≥ 625 户");
        let qml = style.qml();
        assert!(qml.contains("color_mix_rgb(&apos;253,208,162,115&apos;, &apos;253,141,60,115&apos;, (&quot;households&quot; - 225) / 75)"), "{qml}");
    }

    #[test]
    fn the_band_measure_is_the_default_style() {
        let res = Band {
            measure: Measure::Residents,
            lo: 1000.0,
            hi: 2000.0,
        };
        let styles = grid_layer_styles("active_grids", GridLayer::Grids, &res, &Band::CELL);
        assert_eq!(styles.len(), 2);
        assert!(styles[0].default && styles[0].name.contains("人口"));
        assert!(!styles[1].default && styles[1].name.contains("户数"));
        assert!(styles[0].sld.contains("<se:Name>active_grids</se:Name>"));
        let cells = grid_layer_styles("active_cells", GridLayer::Cells, &res, &Band::CELL);
        assert!(
            cells[0].name.contains("户数"),
            "cells follow their own band"
        );
    }

    #[test]
    fn every_basemap_layer_has_one_default_style() {
        let styles = basemap_styles();
        assert_eq!(styles.len(), 9);
        assert!(
            styles
                .iter()
                .all(|s| s.default && s.qml.starts_with("<!DOCTYPE qgis"))
        );
    }
}
