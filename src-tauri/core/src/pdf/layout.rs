//! The pure layout step: a [`Document`] and a way to measure glyphs in, positioned lines on pages out.
//!
//! Coordinates are PDF points (1/72 inch) with the origin at the bottom-left corner of the page, as the
//! PDF content stream wants them. Every [`TextRun`] holds its text in logical order, the shaped glyphs
//! that draw it (in visual order), its measured width, and where its baseline starts.

use unicode_segmentation::UnicodeSegmentation;

use super::shape::{self, Piece, Shaped};
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

/// The weight a run is set in (each script's face of that weight is chosen per grapheme cluster).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Face {
    /// Regular.
    Regular,
    /// Bold.
    Bold,
}

/// Text metrics and shaping, in em (1.0 = the font size).
pub(crate) trait Measure {
    /// The width of each grapheme cluster of `text` (logical order, no `\n`), shaped in context:
    /// (byte offset of the cluster, width).
    fn clusters(&self, face: Face, text: &str) -> Vec<(usize, f32)>;
    /// One line of text shaped: pieces in visual order, width, characters no face has. `rtl` is the
    /// paragraph's direction.
    fn shape(&self, face: Face, text: &str, rtl: bool) -> Shaped;
    /// Whether a paragraph reads right to left.
    fn is_rtl(&self, text: &str) -> bool {
        shape::is_rtl(text)
    }
    /// Distance from the baseline to the top of the tallest glyphs.
    fn ascent(&self) -> f32;
}

/// One line of text (or a label), placed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextRun {
    /// Left end of the baseline.
    pub x: f32,
    /// Baseline height above the bottom edge.
    pub y: f32,
    /// Font size in points.
    pub size: f32,
    /// Weight.
    pub face: Face,
    /// Grey level of the text (0 is black).
    pub grey: f32,
    /// The text in logical order (what extraction gives back).
    pub text: String,
    /// Measured width in points.
    pub width: f32,
    /// The glyphs: pieces of one face and direction, left to right (`x` in em from `self.x`).
    pub pieces: Vec<Piece>,
    /// Characters no bundled face has (drawn as a placeholder).
    pub unprintable: Vec<char>,
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

impl Layout {
    /// The characters no bundled face has, each once, first seen first.
    pub(crate) fn unprintable(&self) -> Vec<char> {
        let mut found = Vec::new();
        for ch in self.pages.iter().flat_map(|page| &page.runs).flat_map(|run| &run.unprintable) {
            if !found.contains(ch) {
                found.push(*ch);
            }
        }
        found
    }
}

/// Tabs become a space and carriage returns are dropped (callers split lines on `\n` first); every
/// other character is kept (one no face has is drawn as a placeholder and reported).
pub(crate) fn printable(text: &str) -> String {
    text.chars().filter(|&ch| ch != '\r').map(|ch| if ch == '\t' { ' ' } else { ch }).collect()
}

/// Width in points of `text` set on one line (a left-to-right line).
pub(crate) fn text_width(measure: &dyn Measure, face: Face, size: f32, text: &str) -> f32 {
    measure.shape(face, text, false).width * size
}

/// Sum of the cluster widths of `text`, in points.
fn additive_width(measure: &dyn Measure, face: Face, size: f32, text: &str) -> f32 {
    measure.clusters(face, text).iter().map(|(_, width)| width).sum::<f32>() * size
}

/// A line of a wrapped paragraph: its logical text and its shaping.
pub(crate) type Line = (String, Shaped);

/// Breaks one line of text (no `\n`) into lines no wider than `width` points: (text, width in points).
#[cfg(test)]
pub(crate) fn wrap(measure: &dyn Measure, face: Face, size: f32, text: &str, width: f32) -> Vec<(String, f32)> {
    wrap_lines(measure, face, size, text, width).into_iter().map(|(line, shaped)| (line, shaped.width * size)).collect()
}

/// Breaks one line of text (no `\n`) into shaped lines no wider than `width` points, in a left-to-right
/// paragraph (Saferoom's own lines: titles, fields, headings, footers — a right-to-left name inside one keeps
/// its own order, and the line keeps Saferoom's). [`wrap_lines_in`] for a paragraph that may be a person's own
/// right-to-left text.
///
/// Lines break where UAX #14 allows (after spaces, between CJK ideographs, after a hyphen); the spaces
/// at a break are dropped, as are trailing spaces. Spaces at the very start are kept (indentation). A
/// word wider than a whole line starts a new line and is broken as [`break_word`] says. Every returned
/// line but a lone grapheme cluster wider than `width` fits. An empty input gives one empty line.
pub(crate) fn wrap_lines(measure: &dyn Measure, face: Face, size: f32, text: &str, width: f32) -> Vec<Line> {
    wrap_lines_in(measure, face, size, text, width, Direction::LeftToRight)
}

/// The base direction of a paragraph (UAX #9's paragraph level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Left to right whatever the text holds: Saferoom's own lines, written in English.
    LeftToRight,
    /// From the paragraph's first strong character (rule P2): a paragraph a person wrote.
    FromText,
}

/// [`wrap_lines`] with the paragraph's base direction given.
pub(crate) fn wrap_lines_in(
    measure: &dyn Measure,
    face: Face,
    size: f32,
    text: &str,
    width: f32,
    direction: Direction,
) -> Vec<Line> {
    let text = printable(text);
    let rtl = direction == Direction::FromText && measure.is_rtl(&text);
    let mut lines = Vec::new();
    for line in greedy(measure, face, size, &text, width) {
        fit(measure, face, size, rtl, line, width, 0, &mut lines);
    }
    lines
}

/// Adds `line` to `lines` shaped; a line wider than `width` once shaped as a whole (kerning or joining
/// across words the per-word measure missed) is wrapped again narrower.
#[allow(clippy::too_many_arguments)]
fn fit(
    measure: &dyn Measure,
    face: Face,
    size: f32,
    rtl: bool,
    line: String,
    width: f32,
    depth: usize,
    lines: &mut Vec<Line>,
) {
    let shaped = measure.shape(face, &line, rtl);
    let excess = shaped.width * size - width;
    if excess <= 0.001 || line.graphemes(true).nth(1).is_none() {
        lines.push((line, shaped));
        return;
    }
    if depth >= 3 {
        // Still too wide: one grapheme cluster at a time until it fits.
        let mut rest = line.as_str();
        while !rest.is_empty() {
            let ends: Vec<usize> = rest.grapheme_indices(true).map(|(at, cluster)| at + cluster.len()).collect();
            let take = ends
                .iter()
                .rev()
                .copied()
                .find(|&end| measure.shape(face, &rest[..end], rtl).width * size <= width + 0.001)
                .unwrap_or(ends[0]);
            let piece = rest[..take].to_owned();
            let shaped = measure.shape(face, &piece, rtl);
            lines.push((piece, shaped));
            rest = &rest[take..];
        }
        return;
    }
    for narrower in greedy(measure, face, size, &line, width - excess - 0.01) {
        fit(measure, face, size, rtl, narrower, width, depth + 1, lines);
    }
}

/// Whether a grapheme cluster is a letter of a script whose words take a hyphen when broken.
fn hyphenates(ch: char) -> bool {
    ch.is_alphabetic() && (ch < '\u{0530}' || ('\u{1E00}'..='\u{1FFF}').contains(&ch))
}

/// The greedy line filling by per-word widths (see [`wrap_lines`]).
fn greedy(measure: &dyn Measure, face: Face, size: f32, text: &str, width: f32) -> Vec<String> {
    let fits = |w: f32| w <= width + 0.001;
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0f32;
    // Spaces after the last word of `line`, added only if another word follows.
    let mut pending = "";
    let mut pending_width = 0.0f32;
    // Whether `line` holds a word yet (leading spaces alone do not count).
    let mut has_word = false;
    for (index, segment) in segments(text).enumerate() {
        let word = segment.trim_end_matches(' ');
        let spaces = &segment[word.len()..];
        let spaces_width = if spaces.is_empty() { 0.0 } else { additive_width(measure, face, size, spaces) };
        if word.is_empty() {
            // Spaces before the first word are indentation, kept if they fit.
            if index == 0 && fits(spaces_width) {
                line.push_str(spaces);
                line_width = spaces_width;
            }
            continue;
        }
        let word_width = additive_width(measure, face, size, word);
        if fits(line_width + pending_width + word_width) {
            line.push_str(pending);
            line.push_str(word);
            line_width += pending_width + word_width;
            (pending, pending_width) = (spaces, spaces_width);
            has_word = true;
            continue;
        }
        // The word goes on a new line (after indentation alone: on this line without it).
        if has_word {
            lines.push(std::mem::take(&mut line));
        }
        line.clear();
        (pending, pending_width) = (spaces, spaces_width);
        has_word = true;
        if fits(word_width) {
            line.push_str(word);
            line_width = word_width;
            continue;
        }
        // A word wider than a whole line: break it (see `break_word`).
        let mut pieces = break_word(measure, face, size, word, width);
        let (last, last_width) = pieces.pop().unwrap_or_default();
        lines.extend(pieces.into_iter().map(|(piece, _)| piece));
        line = last;
        line_width = last_width;
    }
    if has_word || lines.is_empty() {
        if !has_word {
            line.clear();
        }
        lines.push(line);
    }
    lines
}

/// Fewest grapheme clusters a piece of a broken word has (no letter alone on a line), where the column
/// allows.
pub(crate) const MIN_PIECE: usize = 3;

/// Characters after which a word may break with no hyphen added.
const BREAK_AFTER: &[char] = &['-', '\u{2010}', '\u{2013}', '\u{2014}', '/'];

/// Where a word may break by its own spelling: for each position `p` (a break before the `p`-th
/// character), `Some(true)` at a hyphenation point (a '-' is added), `Some(false)` after a hyphen, dash
/// or slash already there.
///
/// Hyphenation points come from Knuth-Liang patterns (`hypher`) for each run of letters: Greek patterns
/// for Greek letters, Russian for Cyrillic, English for other Latin letters; other scripts get none.
fn break_points(chars: &[char]) -> Vec<Option<bool>> {
    let mut points = vec![None; chars.len() + 1];
    for (index, ch) in chars.iter().enumerate() {
        if BREAK_AFTER.contains(ch) {
            points[index + 1] = Some(false);
        }
    }
    let mut start = 0;
    while start < chars.len() {
        if !hyphenates(chars[start]) {
            start += 1;
            continue;
        }
        let end = (start..chars.len()).find(|&i| !hyphenates(chars[i])).unwrap_or(chars.len());
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

/// Breaks a word wider than `width` into pieces that fit, between grapheme clusters (never parting a
/// mark from its letter), each piece (but the last) ending at the latest break that fits:
/// 1. a hyphenation point (with a '-' added) or a hyphen, dash or slash already in the word;
/// 2. otherwise anywhere, with a '-' added between two Latin, Greek or Cyrillic letters of a word
///    without digits (a code such as a hash or an id gets no added '-', which would change it; other
///    scripts break without one).
///
/// Each piece has at least [`MIN_PIECE`] clusters; only a column too narrow for that many (and a
/// hyphen) gives shorter pieces, and then no single letter where two fit.
pub(crate) fn break_word(measure: &dyn Measure, face: Face, size: f32, word: &str, width: f32) -> Vec<(String, f32)> {
    let measured = measure.clusters(face, word);
    let n = measured.len();
    let starts: Vec<usize> = measured.iter().map(|(at, _)| *at).chain([word.len()]).collect();
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0.0f32);
    for (_, advance) in &measured {
        offsets.push(offsets.last().copied().unwrap_or(0.0) + advance * size);
    }
    let hyphen_width = additive_width(measure, face, size, "-");
    let chars: Vec<char> = word.chars().collect();
    let is_code = chars.iter().any(char::is_ascii_digit);
    // Break points by character index, kept where they fall between clusters.
    let char_points = break_points(&chars);
    let mut char_index = 0;
    let mut points = Vec::with_capacity(n + 1);
    for k in 0..=n {
        if k > 0 {
            char_index += word[starts[k - 1]..starts[k]].chars().count();
        }
        // A code (a hash, an id) gets no added '-' anywhere: it would change it.
        points.push(char_points.get(char_index).copied().flatten().filter(|&hyphen| !(is_code && hyphen)));
    }
    let first_char = |k: usize| word[starts[k]..].chars().next().unwrap_or(' ');
    let last_char = |k: usize| word[..starts[k]].chars().next_back().unwrap_or(' ');
    let loose = |p: usize| !is_code && hyphenates(last_char(p)) && hyphenates(first_char(p));
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
                // cluster for the next line where the word has them.
                let fit = (start + 1..n).rev().find(|&p| fits(p, false)).unwrap_or(start + 1);
                let leave = MIN_PIECE.min(n - start - 1);
                (fit.min(n - leave).max(start + 1), false)
            });
        let (p, hyphen) = chosen;
        let mut text = word[starts[start]..starts[p]].to_owned();
        if hyphen {
            text.push('-');
        }
        pieces.push((text, piece_width(p, hyphen)));
        start = p;
    }
    pieces.push((word[starts[start.min(n)]..].to_owned(), offsets[n] - offsets[start.min(n)]));
    pieces
}

/// Splits text where UAX #14 allows a line break: each segment is a word (or ideograph, or a part
/// after a hyphen) with the spaces after it; spaces at the start form a segment of their own.
fn segments(text: &str) -> impl Iterator<Item = &str> + '_ {
    let leading = text.len() - text.trim_start_matches(' ').len();
    let mut breaks: Vec<usize> =
        unicode_linebreak::linebreaks(text).map(|(at, _)| at).filter(|&at| at > leading).collect();
    if leading > 0 {
        breaks.insert(0, leading);
    }
    let mut start = 0;
    breaks.into_iter().filter_map(move |end| {
        let segment = text.get(start..end).filter(|segment| !segment.is_empty());
        start = end;
        segment
    })
}

/// A placed run from a shaped line.
fn run(x: f32, y: f32, size: f32, face: Face, grey: f32, text: String, shaped: Shaped) -> TextRun {
    TextRun {
        x,
        y,
        size,
        face,
        grey,
        text,
        width: shaped.width * size,
        pieces: shaped.pieces,
        unprintable: shaped.unprintable,
    }
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

    /// One line: runs given as (x, face, shaped line), sharing a size, colour and baseline.
    fn line_unit(&self, style: Style, runs: Vec<(f32, Face, Line)>) -> Unit {
        let line_height = style.size * style.line_factor;
        let baseline = (line_height - style.size) / 2.0 + self.measure.ascent() * style.size;
        let runs = runs
            .into_iter()
            .map(|(x, face, (text, shaped))| run(x, baseline, style.size, face, style.grey, text, shaped))
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
        let direction = if kind == Kind::Paragraph { Direction::FromText } else { Direction::LeftToRight };
        for source_line in text.split('\n') {
            for line in wrap_lines_in(self.measure, style.face, style.size, source_line, TEXT_WIDTH, direction) {
                let runs = if line.0.is_empty() { Vec::new() } else { vec![(MARGIN, style.face, line)] };
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
        let mut label_lines: Vec<Line> = Vec::new();
        for source_line in label.split('\n') {
            label_lines.extend(wrap_lines(self.measure, Face::Bold, style.size, source_line, TEXT_WIDTH));
        }
        let mut first = true;
        let (indent, mut label_run) = match label_lines.as_slice() {
            _ if label.trim() == ":" => (0.0, None),
            [(_, shaped)] if shaped.width * style.size <= TEXT_WIDTH * MAX_LABEL_SHARE => {
                let indent = shaped.width * style.size + text_width(self.measure, Face::Bold, style.size, " ");
                (indent, label_lines.pop())
            }
            _ => {
                for line in label_lines {
                    let runs = if line.0.is_empty() { Vec::new() } else { vec![(MARGIN, Face::Bold, line)] };
                    let mut unit = self.line_unit(bold, runs);
                    unit.keep_with_next = true;
                    self.push(Kind::Field, unit, std::mem::take(&mut first));
                }
                (0.0, None)
            }
        };
        for source_line in value.split('\n') {
            for line in wrap_lines(self.measure, Face::Regular, style.size, source_line, TEXT_WIDTH - indent) {
                let mut runs = Vec::new();
                if let Some(label_line) = label_run.take() {
                    runs.push((MARGIN, Face::Bold, label_line));
                }
                if !line.0.is_empty() {
                    runs.push((MARGIN + indent, Face::Regular, line));
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
fn footer_lines(measure: &dyn Measure, footer: &str, page_count: usize) -> Vec<Line> {
    let widest_label = page_label(page_count, page_count);
    let label_width = text_width(measure, Face::Regular, FOOTER_SIZE, &widest_label);
    let width = (TEXT_WIDTH - label_width - 12.0).max(TEXT_WIDTH / 2.0);
    let single_line = footer.split('\n').map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
    if single_line.is_empty() {
        return Vec::new();
    }
    let mut lines = wrap_lines(measure, Face::Regular, FOOTER_SIZE, &single_line, width);
    if lines.len() > FOOTER_MAX_LINES {
        lines.truncate(FOOTER_MAX_LINES);
        if let Some(last) = lines.last_mut() {
            end_with_ellipsis(measure, last, width);
        }
    }
    lines
}

/// Shortens a footer-size line (by grapheme clusters) until it and an ellipsis fit in `width`, then
/// adds the ellipsis.
fn end_with_ellipsis(measure: &dyn Measure, line: &mut Line, width: f32) {
    let rtl = false;
    let mut text = line.0.clone();
    loop {
        let candidate = format!("{text}…");
        let shaped = measure.shape(Face::Regular, &candidate, rtl);
        if text.is_empty() || shaped.width * FOOTER_SIZE <= width + 0.001 {
            *line = (candidate, shaped);
            return;
        }
        let last = text.grapheme_indices(true).next_back().map_or(0, |(at, _)| at);
        text.truncate(last);
    }
}

/// The running header of pages after the first: the letterhead's first line, on one line.
fn running_header(measure: &dyn Measure, letterhead: &Letterhead) -> Option<Line> {
    let first = letterhead.lines.iter().map(|line| line.trim()).find(|line| !line.is_empty())?;
    let mut lines = wrap_lines(measure, Face::Regular, FOOTER_SIZE, first, TEXT_WIDTH);
    let mut line = lines.remove(0);
    if !lines.is_empty() {
        end_with_ellipsis(measure, &mut line, TEXT_WIDTH);
    }
    Some(line)
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

fn paginate(units: Vec<Unit>, measure: &dyn Measure, footer: &str, header: Option<&Line>) -> Layout {
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

fn finish(mut pages: Vec<Page>, measure: &dyn Measure, footer: &[Line], header: Option<&Line>) -> Layout {
    let count = pages.len();
    let small = |x: f32, y: f32, (text, shaped): &Line| {
        run(x, y, FOOTER_SIZE, Face::Regular, MUTED_GREY, text.clone(), shaped.clone())
    };
    if let Some(header) = header {
        for page in pages.iter_mut().skip(1) {
            page.runs.insert(0, small(MARGIN, PAGE_HEIGHT - FOOTER_BASELINE, header));
        }
    }
    let line_height = FOOTER_SIZE * LINE_HEIGHT;
    let last_baseline = FOOTER_BASELINE;
    let first_baseline = last_baseline + (footer.len().max(1) - 1) as f32 * line_height;
    for (index, page) in pages.iter_mut().enumerate() {
        for (k, line) in footer.iter().enumerate() {
            page.runs.push(small(MARGIN, first_baseline - k as f32 * line_height, line));
        }
        let label = page_label(index + 1, count);
        let shaped = measure.shape(Face::Regular, &label, false);
        let width = shaped.width * FOOTER_SIZE;
        page.runs.push(small(RIGHT_EDGE - width, last_baseline, &(label, shaped)));
    }
    Layout { pages }
}
