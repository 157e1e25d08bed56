//! Text to glyphs: the bundled faces, the font chosen for each grapheme cluster, the bidirectional
//! algorithm and shaping.
//!
//! A line of text (logical order) becomes [`Piece`]s in visual order, each a run of one face and one
//! direction shaped by rustybuzz (Arabic joins, Devanagari conjuncts form, marks sit on their letters).
//! A cluster no bundled face can show is drawn as [`PLACEHOLDER`] and its characters reported.
//!
//! Pure: the faces are parsed once per process from bytes compiled into the binary.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};

use rustybuzz::{Direction, Script, ShapePlan, UnicodeBuffer};
use unicode_bidi::{Level, ParagraphBidiInfo};
use unicode_segmentation::UnicodeSegmentation;

use super::layout::Face;
use crate::error::{Error, Result};

/// What a cluster no bundled face can show is drawn as (DejaVu's WHITE SQUARE).
pub(crate) const PLACEHOLDER: char = '\u{25A1}';

/// One of the bundled faces, by its index in [`FACES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FontIx(pub u8);

/// A bundled face: its bytes and the name it is embedded under.
pub(crate) struct Spec {
    pub bytes: &'static [u8],
    /// The PostScript name, after a subset tag.
    pub name: &'static str,
}

macro_rules! font {
    ($file:literal, $name:literal) => {
        Spec { bytes: include_bytes!(concat!("../../../../assets/fonts/", $file)), name: $name }
    };
}

/// Every bundled face. See `assets/fonts/README.md`.
pub(crate) const FACES: [Spec; 10] = [
    font!("DejaVuSans.ttf", "DejaVuSans"),
    font!("DejaVuSans-Bold.ttf", "DejaVuSans-Bold"),
    font!("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Regular"),
    font!("NotoSansHebrew-Bold.ttf", "NotoSansHebrew-Bold"),
    font!("NotoSansArabic-Regular.ttf", "NotoSansArabic-Regular"),
    font!("NotoSansArabic-Bold.ttf", "NotoSansArabic-Bold"),
    font!("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Regular"),
    font!("NotoSansDevanagari-Bold.ttf", "NotoSansDevanagari-Bold"),
    font!("DroidSansFallback.ttf", "DroidSansFallback"),
    font!("NotoEmoji-Regular.ttf", "NotoEmoji-Regular"),
];

const DEJAVU: u8 = 0;
const HEBREW: u8 = 2;
const ARABIC: u8 = 4;
const DEVANAGARI: u8 = 6;
/// CJK and emoji have one weight: bold text uses the regular face.
const CJK: u8 = 8;
const EMOJI: u8 = 9;

/// The faces of one weight in fallback order.
fn fallback(face: Face) -> [FontIx; 6] {
    let bold = u8::from(face == Face::Bold);
    [DEJAVU + bold, HEBREW + bold, ARABIC + bold, DEVANAGARI + bold, CJK, EMOJI].map(FontIx)
}

/// The face a script's own letters prefer over the fallback order (DejaVu Sans has some Hebrew and
/// Arabic, but the Noto faces are made for them and have both weights).
fn preferred(face: Face, ch: char) -> Option<FontIx> {
    let bold = u8::from(face == Face::Bold);
    let family = match ch {
        '\u{0590}'..='\u{05FF}' | '\u{FB1D}'..='\u{FB4F}' => HEBREW,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{0870}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}' => ARABIC,
        '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{1CD0}'..='\u{1CFF}' => DEVANAGARI,
        _ => return None,
    };
    Some(FontIx(family + bold))
}

/// Characters that draw nothing themselves and go with the face of their cluster (or of the text
/// around them): joiners, variation selectors, bidi controls, invisible operators.
pub(crate) fn is_invisible(ch: char) -> bool {
    matches!(ch,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{E0000}'..='\u{E0FFF}')
}

/// A parsed face.
pub(crate) struct Loaded {
    pub face: rustybuzz::Face<'static>,
    /// Units per em.
    pub upem: f32,
}

/// The bundled faces, parsed once per process.
pub(crate) struct Fonts {
    pub faces: Vec<Loaded>,
    plans: Mutex<HashMap<(u8, bool, Script), Arc<ShapePlan>>>,
}

pub(crate) fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let faces = FACES
                .iter()
                .map(|spec| {
                    let face = rustybuzz::Face::from_slice(spec.bytes, 0)
                        .ok_or_else(|| format!("the bundled font {} could not be read", spec.name))?;
                    let upem = face.units_per_em().max(1) as f32;
                    Ok(Loaded { face, upem })
                })
                .collect::<std::result::Result<Vec<_>, String>>()?;
            Ok(Fonts { faces, plans: Mutex::new(HashMap::new()) })
        })
        .as_ref()
        .map_err(|message| Error::Render(message.clone()))
}

/// One shaped glyph.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glyph {
    /// Glyph id in the full face.
    pub id: u16,
    /// Advance, in em.
    pub advance: f32,
    /// Shift right before drawing, in em.
    pub x_offset: f32,
    /// Shift up before drawing, in em.
    pub y_offset: f32,
    /// Byte offset in the line of the start of the cluster it belongs to.
    pub cluster: usize,
    /// The text this glyph stands for in text extraction: its cluster's text on the cluster's first
    /// glyph, nothing on the others.
    pub text: String,
}

/// A run of glyphs of one face and one direction, in visual order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    /// The face.
    pub font: FontIx,
    /// Right to left.
    pub rtl: bool,
    /// Byte offset of its text in the line.
    pub start: usize,
    /// Left end, in em from the start of the line.
    pub x: f32,
    /// Width in em.
    pub width: f32,
    /// The logical text the glyphs stand for.
    pub text: String,
    /// The glyphs, left to right.
    pub glyphs: Vec<Glyph>,
}

/// Which face a cluster is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    Font(FontIx),
    /// No face has it: a placeholder in the weight's DejaVu face.
    Placeholder,
}

impl Fonts {
    fn has(&self, font: FontIx, ch: char) -> bool {
        self.faces[usize::from(font.0)].face.glyph_index(ch).is_some_and(|glyph| glyph.0 != 0)
    }

    /// The first face (the script's own, then the fallback order) that has every visible character of
    /// `cluster`; `None` for a cluster of invisible characters only.
    fn choose(&self, face: Face, cluster: &str) -> Option<Choice> {
        let mut visible = cluster.chars().filter(|&ch| !is_invisible(ch)).peekable();
        let first = *visible.peek()?;
        if first.is_control() {
            return Some(Choice::Placeholder);
        }
        let candidates = preferred(face, first).into_iter().chain(fallback(face));
        Some(
            candidates
                .into_iter()
                .find(|&font| cluster.chars().filter(|&ch| !is_invisible(ch)).all(|ch| self.has(font, ch)))
                .map_or(Choice::Placeholder, Choice::Font),
        )
    }

    /// The characters of `cluster` no bundled face has (or, for a cluster only a mix of faces could
    /// show, its visible characters).
    fn missing(&self, cluster: &str) -> Vec<char> {
        let visible = cluster.chars().filter(|&ch| !is_invisible(ch));
        let lacking: Vec<char> = visible
            .clone()
            .filter(|&ch| ch.is_control() || !(0..FACES.len() as u8).any(|font| self.has(FontIx(font), ch)))
            .collect();
        if lacking.is_empty() {
            visible.collect()
        } else {
            lacking
        }
    }

    fn plan(&self, font: FontIx, rtl: bool, script: Script) -> Arc<ShapePlan> {
        let mut plans = self.plans.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        plans
            .entry((font.0, rtl, script))
            .or_insert_with(|| {
                let direction = if rtl { Direction::RightToLeft } else { Direction::LeftToRight };
                Arc::new(ShapePlan::new(&self.faces[usize::from(font.0)].face, direction, Some(script), None, &[]))
            })
            .clone()
    }

    /// Shapes `text` in one face and direction; glyphs left to right. `clusters` gives each glyph's
    /// extraction text from its cluster's byte offset in `text`.
    fn shape_run(
        &self,
        font: FontIx,
        rtl: bool,
        text: &str,
        base: usize,
        extraction: &dyn Fn(Range<usize>) -> String,
    ) -> Vec<Glyph> {
        let loaded = &self.faces[usize::from(font.0)];
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(if rtl { Direction::RightToLeft } else { Direction::LeftToRight });
        buffer.guess_segment_properties();
        let script = buffer.script();
        let plan = self.plan(font, rtl, script);
        let output = rustybuzz::shape_with_plan(&loaded.face, &plan, buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        // Cluster ends: the next larger cluster start, or the end of the text.
        let mut starts: Vec<usize> = infos.iter().map(|info| info.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut seen = std::collections::HashSet::new();
        let mut glyphs: Vec<Glyph> = infos
            .iter()
            .zip(positions)
            .map(|(info, position)| {
                let start = info.cluster as usize;
                let end = starts.get(starts.partition_point(|&s| s <= start)).copied().unwrap_or(text.len());
                let text = if seen.insert(start) { extraction(start..end) } else { String::new() };
                // Right-to-left glyphs are read in visual order and reversed by extractors, a ligature's
                // characters with them (lam-alef): its text is stored reversed so that it comes back right.
                let text = if rtl { text.chars().rev().collect() } else { text };
                Glyph {
                    id: u16::try_from(info.glyph_id).unwrap_or(0),
                    advance: position.x_advance as f32 / loaded.upem,
                    x_offset: position.x_offset as f32 / loaded.upem,
                    y_offset: position.y_offset as f32 / loaded.upem,
                    cluster: base + start,
                    text,
                }
            })
            .collect();
        // Every visible character of the run is in the face (see `choose`): a .notdef left is an
        // invisible character the shaper does not know to hide. It is dropped, its text kept.
        let mut index = 0;
        while index < glyphs.len() {
            if glyphs[index].id != 0 {
                index += 1;
                continue;
            }
            let dropped = glyphs.remove(index);
            let same_cluster = |glyph: &&mut Glyph| glyph.cluster == dropped.cluster && glyph.text.is_empty();
            if let Some(heir) = glyphs.iter_mut().find(same_cluster) {
                heir.text = dropped.text;
            }
        }
        glyphs
    }

    /// Lays out one line of text (no `\n`): pieces in visual order, its width in em, and the characters
    /// no face could show. `rtl_paragraph` is the paragraph's base direction (`None`: from its first
    /// strong character).
    pub(crate) fn shape_line(&self, face: Face, text: &str, rtl_paragraph: Option<bool>) -> Shaped {
        let mut shaped = Shaped::default();
        if text.is_empty() {
            return shaped;
        }
        let level = rtl_paragraph.map(|rtl| if rtl { Level::rtl() } else { Level::ltr() });
        let bidi = ParagraphBidiInfo::new(text, level);
        let (levels, runs) = bidi.visual_runs(0..text.len());
        let mut x = 0.0f32;
        for run in runs {
            let rtl = levels.get(run.start).is_some_and(|level| level.is_rtl());
            // The run's clusters grouped into consecutive stretches of one face choice.
            let mut groups: Vec<(Choice, Range<usize>)> = Vec::new();
            let Some(run_text) = text.get(run.clone()) else {
                continue;
            };
            for (offset, cluster) in run_text.grapheme_indices(true) {
                let start = run.start + offset;
                let range = start..start + cluster.len();
                let choice = match self.choose(face, cluster) {
                    Some(choice) => choice,
                    // Invisible characters go with what is before them.
                    None => groups.last().map_or(Choice::Font(fallback(face)[0]), |(choice, _)| *choice),
                };
                if choice == Choice::Placeholder {
                    for ch in self.missing(cluster) {
                        if !shaped.unprintable.contains(&ch) {
                            shaped.unprintable.push(ch);
                        }
                    }
                }
                match groups.last_mut() {
                    Some((last, last_range)) if *last == choice && choice != Choice::Placeholder => {
                        last_range.end = range.end;
                    }
                    _ => groups.push((choice, range)),
                }
            }
            if rtl {
                groups.reverse();
            }
            for (choice, range) in groups {
                let piece_text = &text[range.clone()];
                let (font, glyphs) = match choice {
                    Choice::Font(font) => {
                        let glyphs = self.shape_run(font, rtl, piece_text, range.start, &|r| {
                            piece_text.get(r).unwrap_or_default().to_owned()
                        });
                        (font, glyphs)
                    }
                    Choice::Placeholder => {
                        let font = fallback(face)[0];
                        let placeholder = PLACEHOLDER.to_string();
                        let mut glyphs = self.shape_run(font, false, &placeholder, 0, &|_| piece_text.to_owned());
                        for glyph in &mut glyphs {
                            glyph.cluster = range.start;
                        }
                        (font, glyphs)
                    }
                };
                let width: f32 = glyphs.iter().map(|glyph| glyph.advance).sum();
                shaped.pieces.push(Piece {
                    font,
                    rtl,
                    start: range.start,
                    x,
                    width,
                    text: piece_text.to_owned(),
                    glyphs,
                });
                x += width;
            }
        }
        shaped.width = x;
        shaped
    }

    /// The width in em of each grapheme cluster of `text` (a word or so, logical order), shaped in
    /// context: (byte offset, width).
    pub(crate) fn cluster_widths(&self, face: Face, text: &str) -> Vec<(usize, f32)> {
        let shaped = self.shape_line(face, text, None);
        let starts: Vec<usize> = text.grapheme_indices(true).map(|(start, _)| start).collect();
        let mut widths = vec![0.0f32; starts.len()];
        for glyph in shaped.pieces.iter().flat_map(|piece| &piece.glyphs) {
            let index = starts.partition_point(|&start| start <= glyph.cluster).saturating_sub(1);
            if let Some(width) = widths.get_mut(index) {
                *width += glyph.advance;
            }
        }
        starts.into_iter().zip(widths).collect()
    }
}

/// Whether `text` is a right-to-left paragraph (its first strong character is right to left).
pub(crate) fn is_rtl(text: &str) -> bool {
    ParagraphBidiInfo::new(text, None).paragraph_level.is_rtl()
}

/// A shaped line.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Shaped {
    /// Left to right.
    pub pieces: Vec<Piece>,
    /// In em.
    pub width: f32,
    /// Characters no face has, first seen first.
    pub unprintable: Vec<char>,
}

impl super::layout::Measure for Fonts {
    fn clusters(&self, face: Face, text: &str) -> Vec<(usize, f32)> {
        self.cluster_widths(face, text)
    }

    fn shape(&self, face: Face, text: &str, rtl: bool) -> Shaped {
        self.shape_line(face, text, Some(rtl))
    }

    fn ascent(&self) -> f32 {
        let dejavu = &self.faces[usize::from(DEJAVU)];
        f32::from(dejavu.face.ascender()) / dejavu.upem
    }
}

/// Each grapheme cluster's byte offset and width in em.
type ClusterWidths = Vec<(usize, f32)>;

/// The fonts with a memory of the words already measured, for one document: the same words (and the
/// spaces between them) come back again and again.
pub(crate) struct Cached<'a> {
    fonts: &'a Fonts,
    clusters: std::cell::RefCell<HashMap<(Face, String), ClusterWidths>>,
}

impl<'a> Cached<'a> {
    pub(crate) fn new(fonts: &'a Fonts) -> Cached<'a> {
        Cached { fonts, clusters: std::cell::RefCell::new(HashMap::new()) }
    }
}

impl super::layout::Measure for Cached<'_> {
    fn clusters(&self, face: Face, text: &str) -> Vec<(usize, f32)> {
        let key = (face, text.to_owned());
        if let Some(found) = self.clusters.borrow().get(&key) {
            return found.clone();
        }
        let measured = self.fonts.cluster_widths(face, text);
        self.clusters.borrow_mut().insert(key, measured.clone());
        measured
    }

    fn shape(&self, face: Face, text: &str, rtl: bool) -> Shaped {
        self.fonts.shape_line(face, text, Some(rtl))
    }

    fn ascent(&self) -> f32 {
        super::layout::Measure::ascent(self.fonts)
    }
}
