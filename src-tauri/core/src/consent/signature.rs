//! Handwritten signatures: the strokes a signer drew (pointer, touch or pen) are checked, kept as data,
//! and rendered here, by the core, to a PNG and a greyscale bitmap for PDFs. A picture sent by the UI is
//! never trusted: what is shown and printed is always drawn from the kept strokes.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tiny_skia::{LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::error::{Error, Result};
use crate::pdf::GreyImage;

/// The signing pad's box, in its own units: x from 0 to 600, y from 0 to 200 (top to bottom).
pub const PAD_WIDTH: f64 = 600.0;
/// See [`PAD_WIDTH`].
pub const PAD_HEIGHT: f64 = 200.0;
/// Points may stray this far outside the box (rounding in the UI's scaling); further is refused.
const SLACK: f64 = 2.0;
const MAX_STROKES: usize = 200;
const MAX_POINTS: usize = 20_000;
/// Less ink than this (in pad units) is not a signature.
const MIN_INK: f64 = 10.0;
const MAX_NAME: usize = crate::limits::SIGNER_NAME;
const MAX_DEVICE: usize = 200;
/// Ink width in pad units.
const INK_WIDTH: f32 = 3.0;

/// One sampled point of a stroke.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// Across, 0..=600.
    pub x: f64,
    /// Down, 0..=200.
    pub y: f64,
    /// Milliseconds since the signature's first point.
    pub t: f64,
}

/// What a signer gives.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureInput {
    /// Their name, typed.
    pub typed_name: String,
    /// They ticked "I intend to sign this document electronically".
    pub intent: bool,
    /// The strokes, each a list of points.
    pub strokes: Vec<Vec<Point>>,
    /// What they signed on (the browser engine's user agent).
    pub device: String,
    /// The signer confirmed that the name they typed, which differs from the name on the document, is
    /// their legal name (without it a different name is refused; with it, the evidence records it).
    pub confirmed_other_name: bool,
}

/// A checked signature, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ink {
    pub typed_name: String,
    /// See [`SignatureInput::confirmed_other_name`].
    pub confirmed_other_name: bool,
    pub device: String,
    /// The strokes as canonical JSON (coordinates to 0.1 unit, times to the millisecond).
    pub strokes_json: String,
    /// SHA-256 (hex) of `strokes_json`.
    pub hash: String,
    /// The strokes drawn, black on white, 600 × 200 pixels.
    pub png: Vec<u8>,
}

fn clean_line(text: &str, max: usize) -> String {
    text.chars().filter(|ch| !ch.is_control()).take(max).collect::<String>().trim().to_owned()
}

/// Checks a signature: intent confirmed, a name typed, enough ink inside the pad.
pub(crate) fn check(input: &SignatureInput) -> Result<Ink> {
    if !input.intent {
        return Err(Error::invalid("intent", "Tick the box to confirm you intend to sign electronically."));
    }
    // What is stored is what was checked and compared with the signer's name: trimmed, NFC, no control
    // or invisible characters (a hidden one would make the evidence read differently from what was typed).
    let typed_name = crate::text::name("typed_name", &input.typed_name)?;
    if typed_name.is_empty() {
        return Err(Error::invalid("typed_name", "Type your name as well as signing."));
    }
    if typed_name.chars().count() > MAX_NAME {
        return Err(crate::error::too_long("typed_name", "a name", MAX_NAME));
    }
    let strokes: Vec<&Vec<Point>> = input.strokes.iter().filter(|stroke| !stroke.is_empty()).collect();
    if strokes.is_empty() {
        return Err(Error::invalid("strokes", "The signature is empty; sign in the box."));
    }
    if strokes.len() > MAX_STROKES || strokes.iter().map(|stroke| stroke.len()).sum::<usize>() > MAX_POINTS {
        return Err(Error::invalid("strokes", "The signature has too many points; clear it and sign again."));
    }
    let mut ink = 0.0;
    let mut rounded: Vec<Vec<[f64; 3]>> = Vec::with_capacity(strokes.len());
    for stroke in &strokes {
        let mut points = Vec::with_capacity(stroke.len());
        for point in stroke.iter() {
            let finite = point.x.is_finite() && point.y.is_finite() && point.t.is_finite();
            let inside = (-SLACK..=PAD_WIDTH + SLACK).contains(&point.x)
                && (-SLACK..=PAD_HEIGHT + SLACK).contains(&point.y)
                && point.t >= 0.0;
            if !finite || !inside {
                return Err(Error::invalid(
                    "strokes",
                    "Part of the signature lies outside the signing box; clear it and sign again.",
                ));
            }
            let x = (point.x.clamp(0.0, PAD_WIDTH) * 10.0).round() / 10.0;
            let y = (point.y.clamp(0.0, PAD_HEIGHT) * 10.0).round() / 10.0;
            points.push([x, y, point.t.round()]);
        }
        ink += points.windows(2).map(|pair| (pair[1][0] - pair[0][0]).hypot(pair[1][1] - pair[0][1])).sum::<f64>();
        rounded.push(points);
    }
    if ink < MIN_INK {
        return Err(Error::invalid("strokes", "The signature is too small; sign across the box."));
    }
    let strokes_json = serde_json::to_string(&rounded).map_err(|error| Error::Render(error.to_string()))?;
    let hash = hex::encode(Sha256::digest(strokes_json.as_bytes()));
    let png = draw(&rounded)?.encode_png().map_err(|error| Error::Render(format!("signature PNG: {error}")))?;
    let device = clean_line(&input.device, MAX_DEVICE);
    let device = if device.is_empty() { "unknown device".to_owned() } else { device };
    Ok(Ink { typed_name, confirmed_other_name: input.confirmed_other_name, device, strokes_json, hash, png })
}

/// Whether a typed name is the expected name, ignoring case, spacing, punctuation and accents: both are
/// folded as search folds them ([`crate::collation::search_words`]: NFKD, which also folds compatibility forms
/// such as ligatures and full-width letters, full case folding, accents dropped) and only their letters and
/// digits compared ("José  García" is "jose garcia"; "O'Brien-Smith" is "obrien smith"; "STRAUSS" is "Strauß";
/// a Devanagari vowel sign is a letter, so "कुमार" is not "कमार").
pub(crate) fn same_name(typed: &str, expected: &str) -> bool {
    let typed = name_key(typed);
    !typed.is_empty() && typed == name_key(expected)
}

fn name_key(name: &str) -> String {
    crate::collation::search_words(name).concat()
}

fn draw(strokes: &[Vec<[f64; 3]>]) -> Result<Pixmap> {
    let mut pixmap = Pixmap::new(PAD_WIDTH as u32, PAD_HEIGHT as u32)
        .ok_or_else(|| Error::Render("could not allocate the signature picture".into()))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let mut paint = Paint::default();
    paint.set_color_rgba8(16, 24, 40, 255);
    paint.anti_alias = true;
    let stroke = Stroke { width: INK_WIDTH, line_cap: LineCap::Round, line_join: LineJoin::Round, ..Stroke::default() };
    for points in strokes {
        let mut path = PathBuilder::new();
        let [x, y, _] = points[0];
        path.move_to(x as f32, y as f32);
        if points.len() == 1 {
            // A dot: a zero-length line with round caps.
            path.line_to(x as f32 + 0.01, y as f32);
        }
        for [x, y, _] in &points[1..] {
            path.line_to(*x as f32, *y as f32);
        }
        if let Some(path) = path.finish() {
            pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
        }
    }
    Ok(pixmap)
}

/// The strokes kept for a signature (canonical JSON) drawn as a greyscale bitmap, for PDFs.
pub(crate) fn grey_image(strokes_json: &str) -> Result<GreyImage> {
    let strokes: Vec<Vec<[f64; 3]>> =
        serde_json::from_str(strokes_json).map_err(|_| Error::Render("a stored signature could not be read".into()))?;
    if strokes.iter().any(Vec::is_empty) {
        return Err(Error::Render("a stored signature has an empty stroke".into()));
    }
    let pixmap = draw(&strokes)?;
    // Opaque ink on white: the red channel is the grey level.
    let pixels = pixmap.data().chunks_exact(4).map(|pixel| pixel[0]).collect();
    Ok(GreyImage { width: pixmap.width(), height: pixmap.height(), pixels })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    pub(crate) fn scrawl() -> SignatureInput {
        let line = |y: f64| {
            (0..40)
                .map(|i| Point {
                    x: 50.0 + f64::from(i) * 12.0,
                    y: y + (f64::from(i) * 0.7).sin() * 30.0,
                    t: f64::from(i) * 16.0,
                })
                .collect()
        };
        SignatureInput {
            typed_name: "Zoë Ångström".into(),
            intent: true,
            strokes: vec![line(100.0), vec![Point { x: 560.0, y: 40.0, t: 900.0 }]],
            device: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15".into(),
            confirmed_other_name: false,
        }
    }

    fn refused(input: SignatureInput, field: &str) {
        let error = check(&input).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidInput, "{error}");
        assert!(matches!(&error, Error::InvalidInput { field: f, .. } if *f == field), "{error:?}");
    }

    #[test]
    fn a_signature_is_drawn_by_the_core_from_its_strokes() {
        let ink = check(&scrawl()).unwrap();
        assert_eq!(&ink.png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(ink.hash, hex::encode(Sha256::digest(ink.strokes_json.as_bytes())));
        let image = grey_image(&ink.strokes_json).unwrap();
        assert_eq!((image.width, image.height, image.pixels.len()), (600, 200, 120_000));
        let dark = image.pixels.iter().filter(|&&grey| grey < 128).count();
        assert!(dark > 500, "ink is drawn: {dark} dark pixels");
        // The stroke passes through (50, 100); the far corner stays blank.
        assert!(image.pixels[100 * 600 + 50] < 128);
        assert_eq!(image.pixels[199 * 600 + 5], 255);
        // The same strokes always give the same evidence.
        assert_eq!(check(&scrawl()).unwrap(), ink);
    }

    #[test]
    fn names_match_ignoring_case_spacing_punctuation_and_accents() {
        for (typed, expected) in [
            ("jose garcia", "José  García"),
            ("  ZOE angstrom ", "Zoë Ångström"),
            ("O Brien-Smith, Mary", "O'Brien-Smith,  Mary"),
            ("ﬁona", "Fiona"),
            ("Ｊｏｓé", "jose"),
            ("dmitri шостакович", "Dmitri Шостакович"),
            ("Γιώργος Παπαδόπουλος", "γιωργος παπαδοπουλος"),
            ("ΓΙΏΡΓΟΣ ΠΑΠΑΔΌΠΟΥΛΟΣ", "Γιώργος Παπαδόπουλος"),
            ("JOHANN STRAUSS", "Johann Strauß"),
            ("lukasz ostergaard", "Łukasz Østergaard"),
            ("שרה כהן", "שָׂרָה כֹּהֵן"),
            ("محمد", "مُحَمَّد"),
        ] {
            assert!(same_name(typed, expected), "{typed:?} is {expected:?}");
        }
        for (typed, expected) in [
            ("Mickey Mouse", "Ada Lovelace"),
            ("Ada", "Ada Lovelace"),
            ("Ada Lovelace Byron", "Ada Lovelace"),
            ("...", "..."),
            ("", ""),
            ("कमार", "कुमार"),
        ] {
            assert!(!same_name(typed, expected), "{typed:?} is not {expected:?}");
        }
    }

    #[test]
    fn bad_signatures_are_refused_with_the_field_at_fault() {
        refused(SignatureInput { intent: false, ..scrawl() }, "intent");
        refused(SignatureInput { typed_name: " \u{7} ".into(), ..scrawl() }, "typed_name");
        refused(SignatureInput { typed_name: "x".repeat(201), ..scrawl() }, "typed_name");
        refused(SignatureInput { strokes: vec![], ..scrawl() }, "strokes");
        refused(SignatureInput { strokes: vec![vec![], vec![]], ..scrawl() }, "strokes");
        refused(SignatureInput { strokes: vec![vec![Point { x: 10.0, y: 10.0, t: 0.0 }]], ..scrawl() }, "strokes");
        let mut outside = scrawl();
        outside.strokes[0][3].x = 640.0;
        refused(outside, "strokes");
        let mut not_a_number = scrawl();
        not_a_number.strokes[0][3].y = f64::NAN;
        refused(not_a_number, "strokes");
        let many = vec![vec![Point { x: 1.0, y: 1.0, t: 0.0 }; 101]; 201];
        refused(SignatureInput { strokes: many, ..scrawl() }, "strokes");
    }

    #[test]
    fn device_text_is_cleaned_and_never_empty() {
        let ink = check(&SignatureInput { device: "\n".into(), ..scrawl() }).unwrap();
        assert_eq!(ink.device, "unknown device");
        let ink = check(&SignatureInput { device: "a\u{0}b".repeat(300), ..scrawl() }).unwrap();
        assert_eq!(ink.device.chars().count(), 200);
        assert!(!ink.device.contains('\u{0}'));
    }
}
