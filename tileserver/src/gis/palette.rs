//! The grid colours of the web map, read from the file the web map itself
//! imports (`web-map/src/palette.json`), so the server's style, the QGIS
//! styles in the GeoPackage and the browser cannot drift apart.

use std::sync::LazyLock;

use partition::blocks::Measure;
use partition::grids::Band;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Palette {
    /// Five colours at the stops of [`stops`].
    pub ramp: [String; 5],
    pub diverging: [String; 5],
    pub dedicated: String,
    pub fill_opacity: f64,
    pub grid_line: String,
    /// The web map's rough residents-per-household, for colouring by the
    /// measure the band does not count.
    pub household_size: f64,
}

static PALETTE: LazyLock<Palette> = LazyLock::new(|| {
    // The file is part of the build; a broken one fails every test at once.
    serde_json::from_str(include_str!("../../../web-map/src/palette.json"))
        .expect("web-map/src/palette.json is the palette's JSON")
});

pub fn palette() -> &'static Palette {
    &PALETTE
}

/// What a style colours grids by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shade {
    Households,
    Residents,
}

impl Shade {
    /// The grids' column.
    pub fn column(self) -> &'static str {
        match self {
            Shade::Households => "households",
            Shade::Residents => "population",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Shade::Households => "户",
            Shade::Residents => "人",
        }
    }

    pub fn of(measure: Measure) -> Self {
        match measure {
            Measure::Households => Shade::Households,
            Measure::Residents => Shade::Residents,
        }
    }
}

/// The colour stops for `shade` under `band`, as the web map computes them
/// (`stops` in `web-map/src/colour.ts`): 0, ¾ of the band's low end, its
/// ends, and 1¼ of its high end, in the shaded measure.
pub fn stops(shade: Shade, band: &Band) -> [f64; 5] {
    let size = palette().household_size;
    let scale = match (shade, band.measure) {
        (Shade::Households, Measure::Households) | (Shade::Residents, Measure::Residents) => 1.0,
        (Shade::Residents, Measure::Households) => size,
        (Shade::Households, Measure::Residents) => 1.0 / size,
    };
    let (lo, hi) = (band.lo * scale, band.hi * scale);
    [0.0, lo * 0.75, lo, hi, hi * 1.25].map(f64::round)
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`; anything else is black (the palette file is ours).
    pub fn hex(s: &str) -> Self {
        let v = u32::from_str_radix(s.trim_start_matches('#'), 16).unwrap_or(0);
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }

    /// QGIS's `r,g,b,a`.
    pub fn qgis(self, alpha: u8) -> String {
        format!("{},{},{},{alpha}", self.0, self.1, self.2)
    }

    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Linear in sRGB values, as MapLibre's `interpolate` mixes colours.
    pub fn mix(self, other: Rgb, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0);
        let m = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
        Rgb(m(self.0, other.0), m(self.1, other.1), m(self.2, other.2))
    }

    /// This colour at `opacity` over `under`.
    pub fn over(self, under: Rgb, opacity: f64) -> Rgb {
        under.mix(self, opacity)
    }
}

/// A grid's fill colour in the web map: the ramp interpolated at `value`,
/// or the dedicated colour.
pub fn grid_colour(value: f64, stops: &[f64; 5], dedicated: bool) -> Rgb {
    let p = palette();
    if dedicated {
        return Rgb::hex(&p.dedicated);
    }
    let ramp = p.ramp.each_ref().map(|c| Rgb::hex(c));
    if value <= stops[0] {
        return ramp[0];
    }
    for i in 0..4 {
        if value < stops[i + 1] {
            let span = stops[i + 1] - stops[i];
            let t = if span > 0.0 {
                (value - stops[i]) / span
            } else {
                1.0
            };
            return ramp[i].mix(ramp[i + 1], t);
        }
    }
    ramp[4]
}

/// The fill's alpha as QGIS writes it (0–255).
pub fn fill_alpha() -> u8 {
    (palette().fill_opacity * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(measure: Measure, lo: f64, hi: f64) -> Band {
        Band { measure, lo, hi }
    }

    #[test]
    fn stops_follow_the_band_as_the_web_map_does() {
        let hh = band(Measure::Households, 300.0, 500.0);
        assert_eq!(
            stops(Shade::Households, &hh),
            [0.0, 225.0, 300.0, 500.0, 625.0]
        );
        assert_eq!(
            stops(Shade::Residents, &hh),
            [0.0, 585.0, 780.0, 1300.0, 1625.0]
        );
        let res = band(Measure::Residents, 1000.0, 2000.0);
        assert_eq!(
            stops(Shade::Residents, &res),
            [0.0, 750.0, 1000.0, 2000.0, 2500.0]
        );
    }

    #[test]
    fn colours_interpolate_between_stops_and_clamp_at_the_ends() {
        let s = [0.0, 225.0, 300.0, 500.0, 625.0];
        let ramp = palette().ramp.each_ref().map(|c| Rgb::hex(c));
        assert_eq!(grid_colour(0.0, &s, false), ramp[0]);
        assert_eq!(grid_colour(300.0, &s, false), ramp[2]);
        assert_eq!(grid_colour(400.0, &s, false), ramp[2].mix(ramp[3], 0.5));
        assert_eq!(grid_colour(9_999.0, &s, false), ramp[4]);
        assert_eq!(grid_colour(400.0, &s, true), Rgb::hex(&palette().dedicated));
        assert_eq!(Rgb::hex("#b30000").qgis(255), "179,0,0,255");
        assert_eq!(Rgb::hex("#fd8d3c").css(), "#fd8d3c");
    }
}
