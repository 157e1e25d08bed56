//! Printable documents: a small renderer from [`Document`] (headings, `label: value` fields,
//! paragraphs, rules, page breaks) to PDF bytes, for client-record exports and consent forms.
//!
//! It owns the page design (US Letter, 20 mm margins, 10.5 pt body, "Page N of M" footers), the bundled
//! fonts (`assets/fonts/`: DejaVu Sans, Noto Sans Hebrew, Arabic and Devanagari, Droid Sans Fallback for
//! CJK, Noto Emoji) and four steps: `shape` (each grapheme cluster set in the first face that has all of
//! it, a script's own face first; the Unicode bidirectional algorithm per paragraph or field value, Saferoom's
//! own lines — title, subtitle, headings, fields, letterhead, footer — with a left-to-right base and a
//! [`Block::Paragraph`] from its first strong letter; shaping with rustybuzz per run of one face and
//! direction), `layout` (pure: text to positioned lines on
//! pages, broken where UAX #14 allows and measured with shaped widths), `subset` (each embedded face keeps
//! only the glyphs used, renumbered; faces not used are not embedded) and `render` (the glyphs to PDF
//! with `printpdf`).
//!
//! Invariants:
//! - Pure: no I/O, no clock, no randomness. The same [`Document`] gives the same bytes; the PDF's dates
//!   come from [`Document::created_at`] and its `/ID` is a hash of the content.
//! - Text is real text: every glyph is drawn from an embedded font with a `/ToUnicode` map, left-to-right
//!   runs carry their logical text as `/ActualText`, so text extraction and search give back what was
//!   given (right-to-left runs are drawn in visual order with visual-order `/ToUnicode` text, as
//!   extractors expect: poppler gives a right-to-left name back in logical order, but a line mixing
//!   directions in its own word order, and text with Hebrew or Arabic vowel marks in fragments). No glyph
//!   is `.notdef`: a cluster no bundled face can show is drawn as a white square (U+25A1) and its
//!   characters are reported ([`render_with_report`]), never logged.
//! - No line is wider than the text column (a word longer than a line is broken between grapheme
//!   clusters, hyphenated in Latin, Greek and Cyrillic), and a heading never ends a page; [`Block::Keep`]
//!   groups share a page.
//! - Never panics on any input; the only errors are an unparseable `created_at` and [`Error::Render`]
//!   (a bug or a broken bundled font, not bad input).

mod layout;
mod render;
mod shape;
mod subset;
#[cfg(test)]
mod tests;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{Error, Result};

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
    /// The PDF's metadata keywords: facts for programs, not people (the audit checkpoint of
    /// `vault::checkpoint::pdf_keyword`).
    pub keywords: Vec<String>,
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

/// A rendered document and what it could not print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Characters no bundled font has, each once, first seen first; each printed as a placeholder box.
    pub unprintable: Vec<char>,
}

/// Renders `document` as PDF bytes.
///
/// Fails with [`Error::InvalidInput`] when `created_at` is not RFC 3339, and with [`Error::Render`] if
/// the bundled fonts or the PDF writer fail (a bug, not bad input).
pub fn render(document: &Document) -> Result<Vec<u8>> {
    render_with_report(document).map(|rendered| rendered.bytes)
}

/// Renders `document` as PDF bytes and says which characters no bundled font could show.
///
/// Fails as [`render`] does.
pub fn render_with_report(document: &Document) -> Result<Rendered> {
    let created_at = OffsetDateTime::parse(document.created_at.trim(), &Rfc3339)
        .map_err(|_| Error::invalid("created_at", "The document's creation time is not a time Saferoom can read."))?;
    let fonts = shape::fonts()?;
    let pages = layout::layout(document, &shape::Cached::new(fonts));
    let bytes = render::emit(document, &pages, fonts, created_at)?;
    Ok(Rendered { bytes, unprintable: pages.unprintable() })
}
