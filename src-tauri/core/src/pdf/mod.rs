//! Printable documents: a small renderer from [`Document`] (headings, `label: value` fields,
//! paragraphs, rules, page breaks) to PDF bytes, for client-record exports and consent forms.
//!
//! It owns the page design (US Letter, 20 mm margins, DejaVu Sans 10.5 pt body, "Page N of M" footers),
//! the bundled fonts, and three steps: `layout` (pure: text to positioned lines on pages, measured with
//! the fonts' advance widths), `subset` (the embedded fonts keep only the glyphs used) and `render`
//! (the lines to PDF with `printpdf`).
//!
//! Invariants:
//! - Pure: no I/O, no clock, no randomness. The same [`Document`] gives the same bytes; the PDF's dates
//!   come from [`Document::created_at`] and its `/ID` is a hash of the content.
//! - Text is real text: every character is shown with an embedded font that maps back to Unicode, so
//!   text extraction and search give back what was given. Characters the fonts lack print as `?`.
//! - No line is wider than the text column (a word longer than a line is broken anywhere), and a
//!   heading never ends a page.
//! - Never panics on any input; the only errors are an unparseable `created_at` and [`Error::Render`]
//!   (a bug or a broken bundled font, not bad input).

mod layout;
mod render;
mod subset;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use printpdf::ParsedFont;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use layout::{Face, Measure};

/// A document to print: pure data, no I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The PDF's metadata title and the heading on page 1 (omitted there when blank).
    pub title: String,
    /// A line under the title.
    pub subtitle: Option<String>,
    /// When the document was made, RFC 3339; the PDF's creation and modification dates, so the output
    /// is the same for the same input.
    pub created_at: String,
    /// Printed at the bottom of every page (up to three lines), followed by "Page N of M".
    pub footer: String,
    /// The practice's identity at the top of page 1, its first line also at the top of later pages;
    /// nothing when it has no lines.
    pub letterhead: Letterhead,
    /// The content, top to bottom.
    pub blocks: Vec<Block>,
}

/// One piece of a [`Document`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Bold and larger; kept on a page with the block after it.
    Heading(String),
    /// `label: value` on one line, the label bold; the value wraps under itself.
    Field {
        /// The label, printed with a colon after it.
        label: String,
        /// The value; `\n` starts a new line.
        value: String,
    },
    /// Text wrapped to the column width; `\n` starts a new line and blank lines are kept.
    Paragraph(String),
    /// A thin horizontal line across the column.
    Rule,
    /// What follows starts on a new page (nothing happens at the very start or the very end).
    PageBreak,
    /// Blocks kept on one page (e.g. a signature: picture, typed name, intent, time): when they do not
    /// fit below what is already on a page they start the next one. A group taller than a whole page
    /// breaks where it must. Page breaks inside are ignored.
    Keep(Vec<Block>),
    /// A greyscale picture (e.g. a signature) at the left margin, `width` × `height` points, scaled to fit
    /// the column; kept on one page.
    Image {
        /// The pixels.
        image: GreyImage,
        /// Printed width in points.
        width: u32,
        /// Printed height in points.
        height: u32,
    },
}

/// Who made a document: the practice's name first, then its address, phone and licence lines.
///
/// Lines are trimmed and blank ones dropped, so a practice with no details prints no letterhead.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Letterhead {
    /// The lines, top to bottom; the first is printed larger and in bold.
    pub lines: Vec<String>,
}

impl Letterhead {
    /// A letterhead from the practice's details: `name`, then each line of `address`, then the phone,
    /// each licence line and the NPI. Blank parts give no line.
    pub fn from_parts(name: &str, address: &str, phone: &str, licence_lines: &str, npi: &str) -> Letterhead {
        let phone = phone.trim();
        let npi = npi.trim();
        let phone = (!phone.is_empty()).then(|| format!("Phone {phone}"));
        let npi = (!npi.is_empty()).then(|| format!("NPI {npi}"));
        let lines = std::iter::once(name)
            .chain(address.lines())
            .chain(phone.as_deref())
            .chain(licence_lines.lines())
            .chain(npi.as_deref())
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(str::to_owned)
            .collect();
        Letterhead { lines }
    }

    /// Whether there is nothing to print.
    pub fn is_empty(&self) -> bool {
        self.lines.iter().all(|line| line.trim().is_empty())
    }
}

/// An 8-bit greyscale bitmap (0 black, 255 white), rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GreyImage {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// `width * height` bytes; a picture of another size is printed as a blank box.
    pub pixels: Vec<u8>,
}

/// Renders `document` as PDF bytes.
///
/// Fails with [`Error::InvalidInput`] when `created_at` is not RFC 3339, and with [`Error::Render`] if
/// the bundled fonts or the PDF writer fail (a bug, not bad input).
pub fn render(document: &Document) -> Result<Vec<u8>> {
    let created_at = OffsetDateTime::parse(document.created_at.trim(), &Rfc3339)
        .map_err(|_| Error::invalid("created_at", "The document's creation time is not a time Saferoom can read."))?;
    let fonts = fonts()?;
    let pages = layout::layout(document, fonts);
    render::emit(document, &pages, fonts, created_at)
}

const REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The two bundled faces, parsed once per process.
pub(crate) struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

impl Fonts {
    fn face(&self, face: Face) -> &ParsedFont {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

impl Measure for Fonts {
    fn advance(&self, face: Face, ch: char) -> Option<f32> {
        let font = self.face(face);
        let glyph = font.lookup_glyph_index(u32::from(ch)).filter(|&glyph| glyph != 0)?;
        let width = font.get_glyph_width(glyph)?;
        Some(f32::from(width) / f32::from(font.units_per_em.max(1)))
    }

    fn ascent(&self) -> f32 {
        f32::from(self.regular.font_metrics.ascent) / f32::from(self.regular.units_per_em.max(1))
    }
}

fn fonts() -> Result<&'static Fonts> {
    static FONTS: OnceLock<std::result::Result<Fonts, String>> = OnceLock::new();
    let parse = |name: &str, bytes: &[u8]| {
        let mut warnings = Vec::new();
        ParsedFont::from_bytes(bytes, 0, &mut warnings)
            .filter(|font| !font.codepoint_to_glyph.is_empty() && !font.glyph_widths.is_empty())
            .ok_or_else(|| format!("the bundled font {name} could not be read ({warnings:?})"))
    };
    FONTS
        .get_or_init(|| {
            Ok(Fonts { regular: parse("DejaVuSans", REGULAR_TTF)?, bold: parse("DejaVuSans-Bold", BOLD_TTF)? })
        })
        .as_ref()
        .map_err(|message| Error::Render(message.clone()))
}
