//! Colours and sizes: NACE sections, match categories, value ramps, and the two looks (desk
//! and projector).

use egui::Color32;

use crate::catalogue::MatchKind;

/// One colour per NACE Rev. 2 section (A..U), distinguishable on a light basemap; grey for a
/// sector that is not a NACE code.
pub fn nace_colour(section: Option<char>) -> Color32 {
    const PALETTE: [(char, [u8; 3]); 21] = [
        ('A', [76, 145, 65]),   // agriculture
        ('B', [133, 94, 66]),   // mining
        ('C', [214, 39, 40]),   // manufacturing
        ('D', [255, 127, 14]),  // energy
        ('E', [23, 190, 207]),  // water, waste
        ('F', [140, 86, 75]),   // construction
        ('G', [148, 103, 189]), // trade
        ('H', [31, 119, 180]),  // transport
        ('I', [227, 119, 194]), // accommodation
        ('J', [188, 189, 34]),  // information
        ('K', [44, 160, 44]),   // finance
        ('L', [174, 199, 232]), // real estate
        ('M', [255, 187, 120]), // professional
        ('N', [152, 223, 138]), // administrative
        ('O', [197, 176, 213]), // public administration
        ('P', [196, 156, 148]), // education
        ('Q', [247, 182, 210]), // health
        ('R', [219, 219, 141]), // arts
        ('S', [158, 218, 229]), // other services
        ('T', [199, 199, 199]), // households
        ('U', [127, 127, 127]), // extraterritorial
    ];
    section
        .and_then(|s| PALETTE.iter().find(|(c, _)| *c == s))
        .map_or(Color32::from_rgb(110, 110, 120), |(_, [r, g, b])| {
            Color32::from_rgb(*r, *g, *b)
        })
}

/// Short names of the NACE sections, for the legend.
pub fn nace_section_label(section: char) -> &'static str {
    match section {
        'A' => "Agriculture, forestry",
        'B' => "Mining, quarrying",
        'C' => "Manufacturing",
        'D' => "Energy supply",
        'E' => "Water, waste",
        'F' => "Construction",
        'G' => "Trade",
        'H' => "Transport, storage",
        'I' => "Hotels, food service",
        'J' => "Information",
        'K' => "Finance",
        'L' => "Real estate",
        'M' => "Professional services",
        'N' => "Administrative services",
        'O' => "Public administration",
        'P' => "Education",
        'Q' => "Health",
        'R' => "Arts, recreation",
        'S' => "Other services",
        'T' => "Households",
        'U' => "Extraterritorial",
        _ => "Other / free text",
    }
}

pub fn kind_colour(kind: MatchKind) -> Color32 {
    match kind {
        MatchKind::Direct => Color32::from_rgb(46, 125, 50),
        MatchKind::Indirect => Color32::from_rgb(21, 101, 192),
        MatchKind::Cascaded => Color32::from_rgb(142, 36, 170),
    }
}

/// Net value per unit as a colour: deep green for the best pair shown, amber near break-even.
pub fn value_colour(net: f64, best: f64) -> Color32 {
    let t = if best > 0.0 {
        (net / best).clamp(0.0, 1.0)
    } else {
        0.0
    } as f32;
    let lerp = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * t) as u8;
    Color32::from_rgb(lerp(230, 27), lerp(159, 122), lerp(0, 62))
}

/// Sizes that grow in workshop mode (read from the back of a room).
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub marker: f32,
    pub label: f32,
    pub line: f32,
}

impl Scale {
    pub const DESK: Scale = Scale {
        marker: 1.0,
        label: 12.0,
        line: 1.0,
    };

    /// Read from the back of a room (on top of the interface's zoom in workshop mode).
    pub const WORKSHOP: Scale = Scale {
        marker: 1.5,
        label: 16.0,
        line: 1.6,
    };
}

pub const WATER: Color32 = Color32::from_rgb(170, 205, 230);
pub const LAND: Color32 = Color32::from_rgb(242, 239, 233);
pub const BORDER: Color32 = Color32::from_rgb(160, 150, 140);
