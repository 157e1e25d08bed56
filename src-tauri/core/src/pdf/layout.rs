//! The pure layout step: a [`Document`] and a way to measure glyphs in, positioned lines on pages out.
//!
//! Coordinates are PDF points (1/72 inch) with the origin at the bottom-left corner of the page, as the
//! PDF content stream wants them. Every [`TextRun`] holds text the fonts can show (characters they lack
//! are already replaced by `?`), its measured width, and where its baseline starts.

use super::{Block, Document, GreyImage, Letterhead};

/// Points per millimetre.
pub(crate) const PT_PER_MM: f32 = 72.0 / 25.4;
/// US Letter width: 215.9 mm.
pub(crate) const PAGE_WIDTH_MM: f32 = 215.9;
/// US Letter height: 279.4 mm.
pub(crate) const PAGE_HEIGHT_MM: f32 = 279.4;
/// Page width in points (612).
pub(crate) const PAGE_WIDTH: f32 = PAGE_WIDTH_MM * PT_PER_MM;
/// Page height in points (792).
pub(crate) const PAGE_HEIGHT: f32 = PAGE_HEIGHT_MM * PT_PER_MM;
/// Left, right and top margins, and the least bottom margin of the body.
pub(crate) const MARGIN: f32 = 20.0 * PT_PER_MM;
/// Width of the text column.
pub(crate) const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Right edge of the text column.
pub(crate) const RIGHT_EDGE: f32 = MARGIN + TEXT_WIDTH;

/// Baseline-to-baseline distance as a multiple of the font size.
pub(crate) const LINE_HEIGHT: f32 = 1.35;
const BODY_SIZE: f32 = 10.5;
const TITLE_SIZE: f32 = 17.0;
const SUBTITLE_SIZE: f32 = 11.5;
const HEADING_SIZE: f32 = 12.5;
const FOOTER_SIZE: f32 = 8.5;
/// The practice's name on page 1.
const LETTERHEAD_NAME_SIZE: f32 = 13.0;
/// The letterhead's other lines.
const LETTERHEAD_SIZE: f32 = 9.0;
/// Baseline of the footer's last line, above the bottom edge.
const FOOTER_BASELINE: f32 = 12.0 * PT_PER_MM;
/// Space kept between the body and the footer's first line.
const FOOTER_GAP: f32 = 8.0;
/// A long footer is cut to this many lines, the last ending in an ellipsis.
const FOOTER_MAX_LINES: usize = 3;
/// A field whose label is wider than this share of the column puts its value on the lines below.
const MAX_LABEL_SHARE: f32 = 0.45;
const RULE_THICKNESS: f32 = 0.6;
/// Grey level (0 black, 1 white) of the subtitle and the footer.
pub(crate) const MUTED_GREY: f32 = 0.35;

/// Which of the two faces a run is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    /// DejaVu Sans.
    Regular,
    /// DejaVu Sans Bold.
    Bold,
}

/// Glyph metrics, in em (1.0 = the font size).
pub(crate) trait Measure {
    /// Advance width of `ch` in `face`, or `None` when the face has no glyph for it.
    fn advance(&self, face: Face, ch: char) -> Option<f32>;
    /// Distance from the baseline to the top of the tallest glyphs.
    fn ascent(&self) -> f32;
}

/// One line of text, placed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextRun {
    /// Left end of the baseline.
    pub x: f32,
    /// Baseline height above the bottom edge.
    pub y: f32,
    /// Font size in points.
    pub size: f32,
    /// Face.
    pub face: Face,
    /// Grey level of the text (0 is black).
    pub grey: f32,
    /// The text, every character one the face can show.
    pub text: String,
    /// Measured width in points.
    pub width: f32,
}

/// A horizontal line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleLine {
    /// Left end.
    pub x1: f32,
    /// Right end.
    pub x2: f32,
    /// Height above the bottom edge.
    pub y: f32,
    /// Stroke width in points.
    pub thickness: f32,
}

/// A picture, placed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PlacedImage {
    /// Left edge.
    pub x: f32,
    /// Bottom edge, above the bottom of the page.
    pub y: f32,
    /// Printed width in points.
    pub width: f32,
    /// Printed height in points.
    pub height: f32,
    /// The pixels.
    pub image: GreyImage,
}

/// Everything drawn on one page.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Page {
    /// Text lines, top to bottom (body first, then the footer).
    pub runs: Vec<TextRun>,
    /// Rules.
    pub rules: Vec<RuleLine>,
    /// Pictures, top to bottom.
    pub images: Vec<PlacedImage>,
}

/// A laid-out document: at least one page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// The pages, in order.
    pub pages: Vec<Page>,
}

/// Replaces what the face cannot show: tabs become a space, other control characters and characters
/// without a glyph become `?`. Carriage returns are dropped (callers split lines on `\n` first).
pub(crate) fn printable(measure: &dyn Measure, face: Face, text: &str) -> String {
    text.chars()
        .filter(|&ch| ch != '\r')
        .map(|ch| match ch {
            '\t' => ' ',
            ch if ch.is_control() => '?',
            ch if measure.advance(face, ch).is_some() => ch,
            _ => '?',
        })
        .collect()
}

/// Width in points of already printable `text`.
pub(crate) fn text_width(measure: &dyn Measure, face: Face, size: f32, text: &str) -> f32 {
    text.chars().map(|ch| measure.advance(face, ch).unwrap_or(0.0)).sum::<f32>() * size
}

/// Breaks one line of text (no `\n`) into lines no wider than `width` points.
///
/// Lines break at spaces; the spaces at a break are dropped, as are trailing spaces. Spaces at the very
/// start are kept (indentation). A word wider than a whole line starts a new line and is broken as
/// [`break_word`] says. Every returned line but a lone character wider than `width` fits. An empty input
/// gives one empty line.
pub(crate) fn wrap(measure: &dyn Measure, face: Face, size: f32, text: &str, width: f32) -> Vec<(String, f32)> {
    let text = printable(measure, face, text);
    let advance = |ch: char| measure.advance(face, ch).unwrap_or(0.0) * size;
    let fits = |w: f32| w <= width + 0.001;
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0f32;
    // Whether `line` holds a word yet (leading spaces alone do not count).
    let mut has_word = false;
    let mut at_start = true;

    for segment in segments(&text) {
        let is_space = segment.starts_with(' ');
        let segment_width: f32 = segment.chars().map(advance).sum();
        if is_space {
            // Spaces at a break are dropped; spaces before the first word are indentation.
            if (has_word || at_start) && fits(line_width + segment_width) {
                line.push_str(segment);
                line_width += segment_width;
            } else if has_word {
                push_line(&mut lines, &mut line, &mut line_width, advance);
                has_word = false;
            }
            at_start = false;
            continue;
        }
        at_start = false;
        if fits(line_width + segment_width) {
            line.push_str(segment);
            line_width += segment_width;
            has_word = true;
            continue;
        }
        // The word goes on a new line, or, after indentation alone, on this line without it.
        if has_word {
            push_line(&mut lines, &mut line, &mut line_width, advance);
        } else {
            line.clear();
        }
        if fits(segment_width) {
            line.push_str(segment);
            line_width = segment_width;
            has_word = true;
            continue;
        }
        // A word wider than a whole line: break it at hyphenation points (see `break_word`).
        let mut pieces = break_word(measure, face, size, segment, width);
        let (last, last_width) = pieces.pop().unwrap_or_default();
        lines.extend(pieces);
        line = last;
        line_width = last_width;
        has_word = true;
    }
    if has_word || lines.is_empty() {
        let trimmed = line.trim_end_matches(' ');
        let trimmed_width = line_width - (line.len() - trimmed.len()) as f32 * advance(' ');
        lines.push((trimmed.to_owned(), if has_word { trimmed_width } else { 0.0 }));
    }
    lines
}

/// Fewest characters a piece of a broken word has (no letter alone on a line), where the column allows.
pub(crate) const MIN_PIECE: usize = 3;

/// Characters after which a word may break with no hyphen added.
const BREAK_AFTER: &[char] = &['-', '\u{2010}', '\u{2013}', '\u{2014}', '/'];

/// Where a word may break by its own spelling: for each position `p` (a break before the `p`-th
/// character), `Some(true)` at a hyphenation point (a '-' is added), `Some(false)` after a hyphen, dash
/// or slash already there.
///
/// Hyphenation points come from Knuth-Liang patterns (`hypher`) for each run of letters: Greek patterns
/// for Greek letters, Russian for Cyrillic, English for the rest.
fn break_points(chars: &[char]) -> Vec<Option<bool>> {
    let mut points = vec![None; chars.len() + 1];
    for (index, ch) in chars.iter().enumerate() {
        if BREAK_AFTER.contains(ch) {
            points[index + 1] = Some(false);
        }
    }
    let mut start = 0;
    while start < chars.len() {
        if !chars[start].is_alphabetic() {
            start += 1;
            continue;
        }
        let end = (start..chars.len()).find(|&i| !chars[i].is_alphabetic()).unwrap_or(chars.len());
        let run: String = chars[start..end].iter().collect();
        let lang = match chars[start] {
            '\u{370}'..='\u{3ff}' | '\u{1f00}'..='\u{1fff}' => hypher::Lang::Greek,
            '\u{400}'..='\u{4ff}' => hypher::Lang::Russian,
            _ => hypher::Lang::English,
        };
        let mut at = start;
        for syllable in hypher::hyphenate(&run, lang) {
            at += syllable.chars().count();
            if at < end {
                points[at] = Some(true);
            }
        }
        start = end;
    }
    points[0] = None;
    points[chars.len()] = None;
    points
}

/// Breaks an already printable word wider than `width` into pieces that fit, each (but the last) ending
/// at the latest break that fits:
/// 1. a hyphenation point (with a '-' added) or a hyphen, dash or slash already in the word;
/// 2. otherwise anywhere, with a '-' added between two letters of a word without digits (a code such
///    as a hash or an id gets no added '-', which would change it).
///
/// Each piece has at least [`MIN_PIECE`] characters; only a column too narrow for that many (and a
/// hyphen) gives shorter pieces, and then no single letter where two fit.
pub(crate) fn break_word(measure: &dyn Measure, face: Face, size: f32, word: &str, width: f32) -> Vec<(String, f32)> {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let advance = |ch: char| measure.advance(face, ch).unwrap_or(0.0) * size;
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0.0f32);
    for &ch in &chars {
        offsets.push(offsets.last().copied().unwrap_or(0.0) + advance(ch));
    }
    let hyphen_width = advance('-');
    let points = break_points(&chars);
    let is_code = chars.iter().any(char::is_ascii_digit);
    let loose = |p: usize| !is_code && chars[p - 1].is_alphabetic() && chars[p].is_alphabetic();
    let mut pieces = Vec::new();
    let mut start = 0;
    while start + 1 < n && offsets[n] - offsets[start] > width + 0.001 {
        let piece_width =
            |p: usize, hyphen: bool| offsets[p] - offsets[start] + if hyphen { hyphen_width } else { 0.0 };
        let fits = |p: usize, hyphen: bool| piece_width(p, hyphen) <= width + 0.001;
        let (low, high) = (start + MIN_PIECE, n.saturating_sub(MIN_PIECE));
        let chosen = (low..=high)
            .rev()
            .find_map(|p| points[p].filter(|&hyphen| fits(p, hyphen)).map(|hyphen| (p, hyphen)))
            .or_else(|| (low..=high).rev().map(|p| (p, loose(p))).find(|&(p, hyphen)| fits(p, hyphen)))
            .unwrap_or_else(|| {
                // Too narrow a column for pieces of MIN_PIECE: as much as fits, leaving more than one
                // character for the next line where the word has them.
                let fit = (start + 1..n).rev().find(|&p| fits(p, false)).unwrap_or(start + 1);
                let leave = MIN_PIECE.min(n - start - 1);
                (fit.min(n - leave).max(start + 1), false)
            });
        let (p, hyphen) = chosen;
        let mut text: String = chars[start..p].iter().collect();
        if hyphen {
            text.push('-');
        }
        pieces.push((text, piece_width(p, hyphen)));
        start = p;
    }
    pieces.push((chars[start..].iter().collect(), offsets[n] - offsets[start]));
    pieces
}

fn push_line(lines: &mut Vec<(String, f32)>, line: &mut String, width: &mut f32, advance: impl Fn(char) -> f32) {
    let trimmed_len = line.trim_end_matches(' ').len();
    let spaces = line.len() - trimmed_len;
    line.truncate(trimmed_len);
    lines.push((std::mem::take(line), *width - spaces as f32 * advance(' ')));
    *width = 0.0;
}

/// Splits text into alternating runs of spaces and runs of non-spaces.
fn segments(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let is_space = first == ' ';
        let end = rest.find(|ch: char| (ch == ' ') != is_space).unwrap_or(rest.len());
        let (segment, tail) = rest.split_at(end);
        rest = tail;
        Some(segment)
    })
}

/// What a unit came from, for the spacing between blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Letterhead,
    Title,
    Heading,
    Field,
    Paragraph,
    Rule,
    Image,
}

/// Space in points between the last unit of a `prev` block and the first unit of a `next` block.
fn gap(prev: Option<Kind>, next: Kind) -> f32 {
    match (prev, next) {
        (None, _) => 0.0,
        (Some(Kind::Title), _) => 12.0,
        (Some(Kind::Letterhead), Kind::Rule) => 5.0,
        (Some(Kind::Letterhead), _) => 1.0,
        (Some(Kind::Heading), _) => 3.0,
        (_, Kind::Heading) => 12.0,
        (Some(Kind::Field), Kind::Field) => 1.5,
        _ => 6.0,
    }
}

/// Something placed as a whole: one line of text (or a rule). Pages break only between units.
#[derive(Debug)]
struct Unit {
    /// Space above, dropped at the top of a page.
    space_before: f32,
    height: f32,
    /// Runs with `y` measured down from the unit's top to the baseline.
    runs: Vec<TextRun>,
    /// A rule at this depth below the unit's top.
    rule_at: Option<f32>,
    /// A picture filling the unit: (width in points, the pixels).
    image: Option<(f32, GreyImage)>,
    /// Must share a page with the next unit (headings and the title).
    keep_with_next: bool,
    /// Starts a new page unless the page is still empty.
    break_before: bool,
}

/// How a line is set.
#[derive(Debug, Clone, Copy)]
struct Style {
    face: Face,
    size: f32,
    grey: f32,
    /// Line height as a multiple of `size`.
    line_factor: f32,
}

struct Builder<'a> {
    measure: &'a dyn Measure,
    units: Vec<Unit>,
    prev: Option<Kind>,
    break_pending: bool,
}

impl Builder<'_> {
    fn push(&mut self, kind: Kind, mut unit: Unit, first_of_block: bool) {
        if first_of_block {
            unit.space_before = gap(self.prev, kind);
            unit.break_before = std::mem::take(&mut self.break_pending);
        }
        self.units.push(unit);
    }

    /// One line: runs given as (x, face, text, width), sharing a size, colour and baseline.
    fn line_unit(&self, style: Style, runs: Vec<(f32, Face, String, f32)>) -> Unit {
        let line_height = style.size * style.line_factor;
        let baseline = (line_height - style.size) / 2.0 + self.measure.ascent() * style.size;
        let runs = runs
            .into_iter()
            .map(|(x, face, text, width)| TextRun {
                x,
                y: baseline,
                size: style.size,
                face,
                grey: style.grey,
                text,
                width,
            })
            .collect();
        Unit {
            space_before: 0.0,
            height: line_height,
            runs,
            rule_at: None,
            image: None,
            keep_with_next: false,
            break_before: false,
        }
    }

    /// Wrapped text in one face, each source line (split at `\n`) starting a new line.
    fn text(&mut self, kind: Kind, style: Style, text: &str, keep: bool) {
        let mut first = true;
        for source_line in text.split('\n') {
            for (line, width) in wrap(self.measure, style.face, style.size, source_line, TEXT_WIDTH) {
                let runs = if line.is_empty() { Vec::new() } else { vec![(MARGIN, style.face, line, width)] };
                let mut unit = self.line_unit(style, runs);
                unit.keep_with_next = keep;
                self.push(kind, unit, std::mem::take(&mut first));
            }
        }
        self.prev = Some(kind);
    }

    /// `label: value`, the label bold; the value wraps under itself (or, after a very long label, under
    /// the label at the full width).
    fn field(&mut self, label: &str, value: &str) {
        let style = Style { face: Face::Regular, size: BODY_SIZE, grey: 0.0, line_factor: LINE_HEIGHT };
        let bold = Style { face: Face::Bold, ..style };
        let label = label.trim_end();
        let label = if label.ends_with(':') { label.to_owned() } else { format!("{label}:") };
        let mut label_lines: Vec<(String, f32)> = Vec::new();
        for source_line in label.split('\n') {
            label_lines.extend(wrap(self.measure, Face::Bold, style.size, source_line, TEXT_WIDTH));
        }
        let mut first = true;
        let (indent, mut label_run) = match label_lines.as_slice() {
            _ if label.trim() == ":" => (0.0, None),
            [(text, width)] if *width <= TEXT_WIDTH * MAX_LABEL_SHARE => {
                let indent = width + text_width(self.measure, Face::Bold, style.size, " ");
                (indent, Some((text.clone(), *width)))
            }
            _ => {
                for (line, width) in label_lines {
                    let runs = if line.is_empty() { Vec::new() } else { vec![(MARGIN, Face::Bold, line, width)] };
                    let mut unit = self.line_unit(bold, runs);
                    unit.keep_with_next = true;
                    self.push(Kind::Field, unit, std::mem::take(&mut first));
                }
                (0.0, None)
            }
        };
        for source_line in value.split('\n') {
            for (line, width) in wrap(self.measure, Face::Regular, style.size, source_line, TEXT_WIDTH - indent) {
                let mut runs = Vec::new();
                if let Some((text, label_width)) = label_run.take() {
                    runs.push((MARGIN, Face::Bold, text, label_width));
                }
                if !line.is_empty() {
                    runs.push((MARGIN + indent, Face::Regular, line, width));
                }
                let unit = self.line_unit(style, runs);
                self.push(Kind::Field, unit, std::mem::take(&mut first));
            }
        }
        self.prev = Some(Kind::Field);
    }

    fn rule(&mut self) {
        let unit = Unit {
            space_before: 0.0,
            height: RULE_THICKNESS * 2.0,
            runs: Vec::new(),
            rule_at: Some(RULE_THICKNESS),
            image: None,
            keep_with_next: false,
            break_before: false,
        };
        self.push(Kind::Rule, unit, true);
        self.prev = Some(Kind::Rule);
    }

    /// A picture, scaled down (keeping its shape) to fit the column and at most half a page high.
    fn image(&mut self, image: &GreyImage, width: u32, height: u32) {
        let (mut width, mut height) = (width.max(1) as f32, height.max(1) as f32);
        let scale = (TEXT_WIDTH / width).min((PAGE_HEIGHT / 2.0) / height).min(1.0);
        width *= scale;
        height *= scale;
        let unit = Unit {
            space_before: 0.0,
            height,
            runs: Vec::new(),
            rule_at: None,
            image: Some((width, image.clone())),
            keep_with_next: false,
            break_before: false,
        };
        self.push(Kind::Image, unit, true);
        self.prev = Some(Kind::Image);
    }
}

/// The footer's lines (left-aligned, wrapped beside the widest page label), without page labels.
fn footer_lines(measure: &dyn Measure, footer: &str, page_count: usize) -> Vec<(String, f32)> {
    let widest_label = page_label(page_count, page_count);
    let label_width = text_width(measure, Face::Regular, FOOTER_SIZE, &widest_label);
    let width = (TEXT_WIDTH - label_width - 12.0).max(TEXT_WIDTH / 2.0);
    let single_line = footer.split('\n').map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
    if single_line.is_empty() {
        return Vec::new();
    }
    let mut lines = wrap(measure, Face::Regular, FOOTER_SIZE, &single_line, width);
    if lines.len() > FOOTER_MAX_LINES {
        lines.truncate(FOOTER_MAX_LINES);
        if let Some((last, last_width)) = lines.last_mut() {
            end_with_ellipsis(measure, last, last_width, width);
        }
    }
    lines
}

/// Shortens a footer-size line until it and an ellipsis fit in `width`, then adds the ellipsis.
fn end_with_ellipsis(measure: &dyn Measure, line: &mut String, line_width: &mut f32, width: f32) {
    let ellipsis = printable(measure, Face::Regular, "…");
    let ellipsis_width = text_width(measure, Face::Regular, FOOTER_SIZE, &ellipsis);
    while !line.is_empty() && *line_width + ellipsis_width > width {
        if let Some(ch) = line.pop() {
            *line_width -= text_width(measure, Face::Regular, FOOTER_SIZE, &ch.to_string());
        }
    }
    line.push_str(&ellipsis);
    *line_width += ellipsis_width;
}

/// The running header of pages after the first: the letterhead's first line, on one line.
fn running_header(measure: &dyn Measure, letterhead: &Letterhead) -> Option<(String, f32)> {
    let first = letterhead.lines.iter().map(|line| line.trim()).find(|line| !line.is_empty())?;
    let mut lines = wrap(measure, Face::Regular, FOOTER_SIZE, first, TEXT_WIDTH);
    let (mut line, mut width) = lines.remove(0);
    if !lines.is_empty() {
        end_with_ellipsis(measure, &mut line, &mut width, TEXT_WIDTH);
    }
    Some((line, width))
}

/// "Page N of M".
pub(crate) fn page_label(page: usize, count: usize) -> String {
    format!("Page {page} of {count}")
}

/// Lays a document out on US Letter pages. Never fails; always gives at least one page.
pub(crate) fn layout(document: &Document, measure: &dyn Measure) -> Layout {
    let mut builder = Builder { measure, units: Vec::new(), prev: None, break_pending: false };
    let body = Style { face: Face::Regular, size: BODY_SIZE, grey: 0.0, line_factor: LINE_HEIGHT };
    let mut letterhead_lines = document.letterhead.lines.iter().map(|line| line.trim()).filter(|line| !line.is_empty());
    if let Some(name) = letterhead_lines.next() {
        let name_style = Style { face: Face::Bold, size: LETTERHEAD_NAME_SIZE, line_factor: 1.25, ..body };
        builder.text(Kind::Letterhead, name_style, name, false);
        for line in letterhead_lines {
            let style = Style { size: LETTERHEAD_SIZE, grey: MUTED_GREY, line_factor: 1.3, ..body };
            builder.text(Kind::Letterhead, style, line, false);
        }
        builder.rule();
    }
    if !document.title.trim().is_empty() {
        let title = Style { face: Face::Bold, size: TITLE_SIZE, line_factor: 1.25, ..body };
        builder.text(Kind::Title, title, document.title.trim(), true);
    }
    if let Some(subtitle) = document.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        let first = builder.units.len();
        builder.text(Kind::Title, Style { size: SUBTITLE_SIZE, grey: MUTED_GREY, ..body }, subtitle.trim(), true);
        if first > 0 {
            // Part of the title block: close under the title, not a block's gap away.
            builder.units[first].space_before = 2.0;
        }
    }
    for block in &document.blocks {
        builder.block(block, false);
    }
    let header = running_header(measure, &document.letterhead);
    paginate(builder.units, measure, &document.footer, header.as_ref())
}

impl Builder<'_> {
    fn block(&mut self, block: &Block, in_keep: bool) {
        let body = Style { face: Face::Regular, size: BODY_SIZE, grey: 0.0, line_factor: LINE_HEIGHT };
        let heading = Style { face: Face::Bold, size: HEADING_SIZE, line_factor: 1.25, ..body };
        match block {
            Block::Heading(text) => self.text(Kind::Heading, heading, text, true),
            Block::Field { label, value } => self.field(label, value),
            Block::Paragraph(text) => self.text(Kind::Paragraph, body, text, false),
            Block::Rule => self.rule(),
            Block::PageBreak if in_keep => {}
            Block::PageBreak => self.break_pending = self.prev.is_some(),
            Block::Image { image, width, height } => self.image(image, *width, *height),
            Block::Keep(blocks) => {
                let first = self.units.len();
                for inner in blocks {
                    self.block(inner, true);
                }
                // Every unit of the group but its last must share a page with the one after it; the
                // last keeps its own rule (a heading's, for one).
                let last = self.units.len().saturating_sub(1);
                for unit in self.units.iter_mut().take(last).skip(first) {
                    unit.keep_with_next = true;
                }
            }
        }
    }
}

fn paginate(units: Vec<Unit>, measure: &dyn Measure, footer: &str, header: Option<&(String, f32)>) -> Layout {
    // The footer's height depends on its wrapping, which depends (slightly) on the page count's digits;
    // lay out with a guess, and again if the guess had too few digits.
    let mut digits_guess = 1usize;
    loop {
        let guess_count = 10usize.saturating_pow(digits_guess as u32) - 1;
        let footer = footer_lines(measure, footer, guess_count.max(1));
        let footer_top = FOOTER_BASELINE
            + (footer.len().max(1) - 1) as f32 * FOOTER_SIZE * LINE_HEIGHT
            + measure.ascent() * FOOTER_SIZE;
        let body_bottom = MARGIN.max(footer_top + FOOTER_GAP);
        let pages = place(&units, body_bottom);
        let digits = pages.len().to_string().len();
        if digits <= digits_guess {
            return finish(pages, measure, &footer, header);
        }
        digits_guess = digits;
    }
}

/// Puts units on pages between the top margin and `bottom` (both in points above the bottom edge).
fn place(units: &[Unit], bottom: f32) -> Vec<Page> {
    let top = PAGE_HEIGHT - MARGIN;
    let usable = top - bottom;
    let mut pages = vec![Page::default()];
    // `cursor` is the depth below the top margin of the next unit's top.
    let mut cursor = 0.0f32;
    let mut page_empty = true;
    let mut i = 0;
    while i < units.len() {
        let unit = &units[i];
        if unit.break_before && !page_empty {
            pages.push(Page::default());
            cursor = 0.0;
            page_empty = true;
        }
        let space = if page_empty { 0.0 } else { unit.space_before };
        // A run of units that must share a page with the unit after them.
        let mut chain_end = i;
        while chain_end + 1 < units.len() && units[chain_end].keep_with_next && !units[chain_end + 1].break_before {
            chain_end += 1;
        }
        let chain_height: f32 = units[i..=chain_end]
            .iter()
            .enumerate()
            .map(|(k, u)| u.height + if k == 0 { 0.0 } else { u.space_before })
            .sum();
        let needs_new_page = if chain_end > i && chain_height <= usable {
            cursor + space + chain_height > usable
        } else {
            cursor + space + unit.height > usable
        };
        if needs_new_page && !page_empty {
            pages.push(Page::default());
            cursor = 0.0;
            page_empty = true;
            continue;
        }
        let space = if page_empty { 0.0 } else { unit.space_before };
        let unit_top = top - cursor - space;
        let page = pages.last_mut().expect("pages is never empty");
        for run in &unit.runs {
            page.runs.push(TextRun { y: unit_top - run.y, ..run.clone() });
        }
        if let Some(depth) = unit.rule_at {
            page.rules.push(RuleLine { x1: MARGIN, x2: RIGHT_EDGE, y: unit_top - depth, thickness: RULE_THICKNESS });
        }
        if let Some((width, image)) = &unit.image {
            page.images.push(PlacedImage {
                x: MARGIN,
                y: unit_top - unit.height,
                width: *width,
                height: unit.height,
                image: image.clone(),
            });
        }
        cursor += space + unit.height;
        page_empty = false;
        i += 1;
    }
    pages
}

fn finish(
    mut pages: Vec<Page>,
    measure: &dyn Measure,
    footer: &[(String, f32)],
    header: Option<&(String, f32)>,
) -> Layout {
    let count = pages.len();
    if let Some((text, width)) = header {
        for page in pages.iter_mut().skip(1) {
            page.runs.insert(
                0,
                TextRun {
                    x: MARGIN,
                    y: PAGE_HEIGHT - FOOTER_BASELINE,
                    size: FOOTER_SIZE,
                    face: Face::Regular,
                    grey: MUTED_GREY,
                    text: text.clone(),
                    width: *width,
                },
            );
        }
    }
    let line_height = FOOTER_SIZE * LINE_HEIGHT;
    let last_baseline = FOOTER_BASELINE;
    let first_baseline = last_baseline + (footer.len().max(1) - 1) as f32 * line_height;
    for (index, page) in pages.iter_mut().enumerate() {
        for (k, (text, width)) in footer.iter().enumerate() {
            page.runs.push(TextRun {
                x: MARGIN,
                y: first_baseline - k as f32 * line_height,
                size: FOOTER_SIZE,
                face: Face::Regular,
                grey: MUTED_GREY,
                text: text.clone(),
                width: *width,
            });
        }
        let label = page_label(index + 1, count);
        let width = text_width(measure, Face::Regular, FOOTER_SIZE, &label);
        page.runs.push(TextRun {
            x: RIGHT_EDGE - width,
            y: last_baseline,
            size: FOOTER_SIZE,
            face: Face::Regular,
            grey: MUTED_GREY,
            text: label,
            width,
        });
    }
    Layout { pages }
}
