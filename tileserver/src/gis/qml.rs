//! QGIS layer styles (QML, the format QGIS saves in a GeoPackage's
//! `layer_styles` table): renderers, labels and field aliases written as
//! QGIS 3.22 reads them. Written by hand because no crate writes QML; the
//! pieces are few and a test loads them in QGIS itself.

use std::fmt::Write as _;

use super::fields::Field;
use super::filter::Filter;
use super::palette::Rgb;

/// XML text and attribute escaping.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

/// A QGIS colour with alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour {
    pub rgb: Rgb,
    pub alpha: u8,
}

impl Colour {
    pub fn solid(hex: &str) -> Self {
        Self {
            rgb: Rgb::hex(hex),
            alpha: 255,
        }
    }

    pub fn with_alpha(hex: &str, alpha: u8) -> Self {
        Self {
            rgb: Rgb::hex(hex),
            alpha,
        }
    }

    pub fn none() -> Self {
        Self {
            rgb: Rgb(0, 0, 0),
            alpha: 0,
        }
    }

    pub fn qgis(self) -> String {
        self.rgb.qgis(self.alpha)
    }
}

/// One symbol: a fill (polygons) or a line.
#[derive(Debug, Clone)]
pub enum Symbol {
    Fill {
        fill: Colour,
        outline: Colour,
        /// Millimetres.
        outline_width: f64,
        dashed: bool,
        /// A QGIS expression giving the fill colour per feature.
        fill_expression: Option<String>,
    },
    Line {
        colour: Colour,
        width: f64,
        dashed: bool,
    },
}

impl Symbol {
    pub fn fill(fill: Colour, outline: Colour, outline_width: f64) -> Self {
        Symbol::Fill {
            fill,
            outline,
            outline_width,
            dashed: false,
            fill_expression: None,
        }
    }

    pub fn line(colour: Colour, width: f64, dashed: bool) -> Self {
        Symbol::Line {
            colour,
            width,
            dashed,
        }
    }

    fn write(&self, out: &mut String, name: &str) {
        let dash = |d: bool| if d { "dash" } else { "solid" }.to_string();
        let (kind, class, options, fill_expression) = match self {
            Symbol::Fill {
                fill,
                outline,
                outline_width,
                dashed,
                fill_expression,
            } => (
                "fill",
                "SimpleFill",
                vec![
                    ("color", fill.qgis()),
                    ("joinstyle", "bevel".into()),
                    ("outline_color", outline.qgis()),
                    ("outline_style", dash(*dashed)),
                    ("outline_width", outline_width.to_string()),
                    ("outline_width_unit", "MM".into()),
                    ("style", if fill.alpha == 0 { "no" } else { "solid" }.into()),
                ],
                fill_expression.as_deref(),
            ),
            Symbol::Line {
                colour,
                width,
                dashed,
            } => (
                "line",
                "SimpleLine",
                vec![
                    ("capstyle", "round".into()),
                    ("joinstyle", "round".into()),
                    ("line_color", colour.qgis()),
                    ("line_style", dash(*dashed)),
                    ("line_width", width.to_string()),
                    ("line_width_unit", "MM".into()),
                ],
                None,
            ),
        };
        let _ = write!(
            out,
            r#"<symbol type="{kind}" name="{}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="{class}" enabled="1" locked="0" pass="0"><Option type="Map">"#,
            esc(name)
        );
        for (k, v) in options {
            let _ = write!(
                out,
                r#"<Option type="QString" name="{k}" value="{}"/>"#,
                esc(&v)
            );
        }
        out.push_str("</Option>");
        write_data_defined(out, "fillColor", fill_expression);
        out.push_str("</layer></symbol>");
    }
}

fn write_data_defined(out: &mut String, property: &str, expression: Option<&str>) {
    out.push_str(r#"<data_defined_properties><Option type="Map"><Option type="QString" name="name" value=""/>"#);
    match expression {
        Some(e) => {
            let _ = write!(
                out,
                r#"<Option type="Map" name="properties"><Option type="Map" name="{}"><Option type="bool" name="active" value="true"/><Option type="QString" name="expression" value="{}"/><Option type="int" name="type" value="3"/></Option></Option>"#,
                esc(property),
                esc(e)
            );
        }
        None => out.push_str(r#"<Option name="properties"/>"#),
    }
    out.push_str(r#"<Option type="QString" name="type" value="collection"/></Option></data_defined_properties>"#);
}

/// How features are drawn.
#[derive(Debug, Clone)]
pub enum Renderer {
    Single(Symbol),
    /// (legend label, filter, symbol); filters are disjoint.
    Rules(Vec<(String, Filter, Symbol)>),
}

impl Renderer {
    fn write(&self, out: &mut String) {
        let mut symbols = String::new();
        match self {
            Renderer::Single(s) => {
                out.push_str(r#"<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0" referencescale="-1"><symbols>"#);
                s.write(out, "0");
                out.push_str("</symbols></renderer-v2>");
                return;
            }
            Renderer::Rules(rules) => {
                out.push_str(r#"<renderer-v2 type="RuleRenderer" symbollevels="0" forceraster="0" enableorderby="0" referencescale="-1"><rules key="{wangge-root}">"#);
                for (i, (label, filter, symbol)) in rules.iter().enumerate() {
                    let _ = write!(
                        out,
                        r#"<rule key="{{wangge-{i}}}" symbol="{i}" label="{}" filter="{}"/>"#,
                        esc(label),
                        esc(&filter.qgis())
                    );
                    symbol.write(&mut symbols, &i.to_string());
                }
                out.push_str("</rules>");
            }
        }
        let _ = write!(out, "<symbols>{symbols}</symbols></renderer-v2>");
    }
}

/// Labels from a QGIS expression.
#[derive(Debug, Clone)]
pub struct Labels {
    pub expression: String,
    /// The columns it shows, one a line, for SLD (which has no expressions).
    pub columns: Vec<&'static str>,
    pub colour: Colour,
    /// Points.
    pub size: f64,
    /// Draw only closer than 1:`max_scale` (0: at every scale).
    pub max_scale: f64,
    /// Along lines rather than over a polygon's centre.
    pub along_lines: bool,
}

impl Labels {
    fn write(&self, out: &mut String) {
        let _ = write!(
            out,
            r#"<labeling type="simple"><settings calloutType="simple"><text-style fieldName="{}" isExpression="1" fontFamily="Noto Sans CJK SC" namedStyle="Regular" fontWeight="50" fontItalic="0" fontSize="{}" fontSizeUnit="Point" textColor="{}" textOpacity="1" multilineHeight="1" blendMode="0" capitalization="0" allowHtml="0"><families/><text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/></text-style><text-format wrapChar="" multilineAlign="1" autoWrapLength="0" addDirectionSymbol="0" formatNumbers="0" plussign="0"/><placement placement="{}" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" dist="0" priority="5" placementFlags="10" overrunDistance="0" repeatDistance="0"/><rendering scaleVisibility="{}" scaleMin="0" scaleMax="{}" obstacle="1" displayAll="0" upsidedownLabels="0" limitNumLabels="0" mergeLines="1" minFeatureSize="0" drawLabels="1" fontLimitPixelSize="0" labelPerPart="0"/></settings></labeling>"#,
            esc(&self.expression),
            self.size,
            self.colour.qgis(),
            if self.along_lines { 3 } else { 1 },
            if self.max_scale > 0.0 { 1 } else { 0 },
            self.max_scale,
        );
    }
}

/// A whole style: what QGIS's "Save style" writes for these categories.
#[derive(Debug, Clone)]
pub struct Style {
    pub renderer: Renderer,
    pub labels: Option<Labels>,
    pub fields: &'static [Field],
    /// 0 point, 1 line, 2 polygon.
    pub geometry: u8,
    /// Layer opacity, 0–1.
    pub opacity: f64,
}

impl Style {
    pub fn qml(&self) -> String {
        let mut out = String::with_capacity(8192);
        let _ = write!(
            out,
            r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'><qgis version="3.22.16-Białowieża" styleCategories="Symbology|Labeling|Fields|Rendering" labelsEnabled="{}" hasScaleBasedVisibilityFlag="0">"#,
            u8::from(self.labels.is_some())
        );
        self.renderer.write(&mut out);
        if let Some(l) = &self.labels {
            l.write(&mut out);
        }
        out.push_str("<aliases>");
        for (i, f) in self.fields.iter().enumerate() {
            let _ = write!(
                out,
                r#"<alias field="{}" index="{i}" name="{}"/>"#,
                esc(f.column),
                esc(&f.alias())
            );
        }
        out.push_str("</aliases>");
        let _ = write!(
            out,
            "<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>{}</layerOpacity><layerGeometryType>{}</layerGeometryType></qgis>",
            self.opacity, self.geometry
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gis::fields::{Layer, fields};

    #[test]
    fn escapes_what_xml_needs() {
        assert_eq!(
            esc(r#"a<b & "c" 'd'"#),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(esc("x\ny"), "x&#10;y");
    }

    #[test]
    fn a_rule_style_is_well_formed_xml_with_its_rules_and_aliases() {
        let style = Style {
            renderer: Renderer::Rules(vec![(
                "0 – 225 户".into(),
                Filter::Range {
                    column: "households",
                    lo: None,
                    hi: Some(225.0),
                },
                Symbol::Fill {
                    fill: Colour::with_alpha("#fff5eb", 115),
                    outline: Colour::solid("#b30000"),
                    outline_width: 0.4,
                    dashed: false,
                    fill_expression: Some("color_mix_rgb('1,2,3,4','5,6,7,8', 0.5)".into()),
                },
            )]),
            labels: Some(Labels {
                expression: r#""name" || '\n' || "code""#.into(),
                columns: vec!["name", "code"],
                colour: Colour::solid("#5a0000"),
                size: 9.0,
                max_scale: 0.0,
                along_lines: false,
            }),
            fields: fields(Layer::Grids),
            geometry: 2,
            opacity: 1.0,
        };
        let qml = style.qml();
        assert!(
            qml.contains(r#"filter="&quot;households&quot; &lt; 225""#),
            "{qml}"
        );
        assert!(qml.contains(r#"name="fillColor""#));
        assert!(qml.contains(r#"<alias field="households" index="8" name="户数（户）"/>"#));
        assert!(qml.contains(r#"labelsEnabled="1""#));
        // Balanced tags: every element opened is closed.
        let opens = qml.matches("<symbol ").count();
        assert_eq!(opens, qml.matches("</symbol>").count());
    }
}
