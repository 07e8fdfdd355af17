//! The same styles as OGC Symbology Encoding 1.1 (SLD), which QGIS also
//! keeps in `layer_styles` and which GeoServer and other tools read. SLD
//! has no per-feature colour mixing, so each class takes the colour the web
//! map gives the class's middle.

use std::fmt::Write as _;

use super::filter::Filter;
use super::qml::{Colour, Renderer, Style, Symbol, esc};

/// Millimetres as SLD's pixels (at 0.28 mm a pixel, the SLD convention).
fn px(mm: f64) -> String {
    format!("{:.1}", mm / 0.28)
}

fn css(c: Colour) -> String {
    c.rgb.css()
}

fn opacity(c: Colour) -> String {
    format!("{:.2}", c.alpha as f64 / 255.0)
}

fn symbolizer(out: &mut String, s: &Symbol) {
    match s {
        Symbol::Fill {
            fill,
            outline,
            outline_width,
            dashed,
            ..
        } => {
            out.push_str("<se:PolygonSymbolizer>");
            if fill.alpha > 0 {
                let _ = write!(
                    out,
                    r#"<se:Fill><se:SvgParameter name="fill">{}</se:SvgParameter><se:SvgParameter name="fill-opacity">{}</se:SvgParameter></se:Fill>"#,
                    css(*fill),
                    opacity(*fill)
                );
            }
            stroke(out, *outline, *outline_width, *dashed);
            out.push_str("</se:PolygonSymbolizer>");
        }
        Symbol::Line {
            colour,
            width,
            dashed,
        } => {
            out.push_str("<se:LineSymbolizer>");
            stroke(out, *colour, *width, *dashed);
            out.push_str("</se:LineSymbolizer>");
        }
    }
}

fn stroke(out: &mut String, c: Colour, width: f64, dashed: bool) {
    if c.alpha == 0 {
        return;
    }
    let _ = write!(
        out,
        r#"<se:Stroke><se:SvgParameter name="stroke">{}</se:SvgParameter><se:SvgParameter name="stroke-opacity">{}</se:SvgParameter><se:SvgParameter name="stroke-width">{}</se:SvgParameter>"#,
        css(c),
        opacity(c),
        px(width)
    );
    if dashed {
        out.push_str(r#"<se:SvgParameter name="stroke-dasharray">7 3</se:SvgParameter>"#);
    }
    out.push_str("</se:Stroke>");
}

fn rule(out: &mut String, name: &str, filter: Option<&Filter>, s: &Symbol) {
    let _ = write!(
        out,
        "<se:Rule><se:Name>{0}</se:Name><se:Description><se:Title>{0}</se:Title></se:Description>",
        esc(name)
    );
    match filter {
        Some(Filter::Else) => out.push_str("<se:ElseFilter/>"),
        Some(f) => {
            let body = f.ogc();
            if !body.is_empty() {
                let _ = write!(
                    out,
                    r#"<ogc:Filter xmlns:ogc="http://www.opengis.net/ogc">{body}</ogc:Filter>"#
                );
            }
        }
        None => {}
    }
    symbolizer(out, s);
    out.push_str("</se:Rule>");
}

/// The SLD document of `style` for the layer `table`.
pub fn sld(style: &Style, table: &str, title: &str) -> String {
    let mut out = String::with_capacity(4096);
    let _ = write!(
        out,
        r#"<?xml version="1.0" encoding="UTF-8"?><StyledLayerDescriptor xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" xmlns:se="http://www.opengis.net/se" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.1.0" xsi:schemaLocation="http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"><NamedLayer><se:Name>{}</se:Name><UserStyle><se:Name>{}</se:Name><se:FeatureTypeStyle>"#,
        esc(table),
        esc(title)
    );
    match &style.renderer {
        Renderer::Single(s) => rule(&mut out, title, None, s),
        Renderer::Rules(rules) => {
            for (label, filter, s) in rules {
                rule(&mut out, label, Some(filter), s);
            }
        }
    }
    if let Some(l) = &style.labels {
        out.push_str("<se:Rule><se:TextSymbolizer><se:Label>");
        for (i, c) in l.columns.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let _ = write!(out, "<ogc:PropertyName>{}</ogc:PropertyName>", esc(c));
        }
        let _ = write!(
            out,
            r#"</se:Label><se:Font><se:SvgParameter name="font-family">Noto Sans CJK SC</se:SvgParameter><se:SvgParameter name="font-size">{:.0}</se:SvgParameter></se:Font><se:Halo><se:Radius>2</se:Radius><se:Fill><se:SvgParameter name="fill">#ffffff</se:SvgParameter></se:Fill></se:Halo><se:Fill><se:SvgParameter name="fill">{}</se:SvgParameter></se:Fill></se:TextSymbolizer></se:Rule>"#,
            l.size * 1.33,
            css(l.colour)
        );
    }
    out.push_str("</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>");
    out
}
