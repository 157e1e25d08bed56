//! A glyph-keeping TrueType subsetter: the font program embedded in a PDF keeps only the outlines of
//! the glyphs a document uses (and the glyphs those are composed of).
//!
//! printpdf subsets only with its `text_layout` feature (the azul layout engine); without it the whole
//! DejaVu faces (about 370 KB each, compressed) went into every file. Glyph ids are kept as they are —
//! unused glyphs just become empty — so the content stream, `/W` widths and `/ToUnicode` map that
//! printpdf derives from the full font stay right. Layout tables the PDF never uses (GSUB, GPOS, GDEF,
//! kern, MATH, FFTM) are dropped and `post` loses its glyph names.
//!
//! Pure and defensive: malformed input gives an error, never a panic.

use std::collections::{BTreeMap, BTreeSet};

/// Tables a PDF renderer has no use for (shaping is done, kerning is not applied).
const DROPPED: [&[u8; 4]; 6] = [b"GSUB", b"GPOS", b"GDEF", b"kern", b"MATH", b"FFTM"];

/// Composite glyph flags (OpenType `glyf` table).
const ARG_1_AND_2_ARE_WORDS: u16 = 0x0001;
const WE_HAVE_A_SCALE: u16 = 0x0008;
const MORE_COMPONENTS: u16 = 0x0020;
const WE_HAVE_AN_X_AND_Y_SCALE: u16 = 0x0040;
const WE_HAVE_A_TWO_BY_TWO: u16 = 0x0080;

fn u16_at(bytes: &[u8], at: usize) -> Result<u16, String> {
    bytes.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(|| format!("truncated at {at}"))
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("truncated at {at}"))
}

fn checksum(bytes: &[u8]) -> u32 {
    bytes.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// The outline of every glyph in `0..=num_glyphs`, as slices of `glyf`.
fn glyph_ranges(loca: &[u8], long: bool, num_glyphs: usize, glyf_len: usize) -> Result<Vec<(usize, usize)>, String> {
    let offset = |gid: usize| -> Result<usize, String> {
        Ok(if long { u32_at(loca, gid * 4)? as usize } else { usize::from(u16_at(loca, gid * 2)?) * 2 })
    };
    (0..num_glyphs)
        .map(|gid| {
            let (start, end) = (offset(gid)?, offset(gid + 1)?);
            if start > end || end > glyf_len {
                return Err(format!("glyph {gid} lies outside glyf"));
            }
            Ok((start, end))
        })
        .collect()
}

/// The glyphs a composite glyph is made of.
pub(crate) fn components(glyph: &[u8]) -> Result<Vec<u16>, String> {
    if glyph.len() < 10 || (u16_at(glyph, 0)? as i16) >= 0 {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        found.push(u16_at(glyph, at + 2)?);
        at += 4 + if flags & ARG_1_AND_2_ARE_WORDS != 0 { 4 } else { 2 };
        at += match flags {
            f if f & WE_HAVE_A_SCALE != 0 => 2,
            f if f & WE_HAVE_AN_X_AND_Y_SCALE != 0 => 4,
            f if f & WE_HAVE_A_TWO_BY_TWO != 0 => 8,
            _ => 0,
        };
        if flags & MORE_COMPONENTS == 0 || found.len() > 1024 {
            return Ok(found);
        }
    }
}

/// The tables of a TrueType font and where each glyph's outline lies in `glyf`.
struct Font<'a> {
    tables: BTreeMap<[u8; 4], &'a [u8]>,
    head: &'a [u8],
    glyf: &'a [u8],
    /// `glyf[start..end]` of every glyph id.
    ranges: Vec<(usize, usize)>,
}

fn parse(font: &[u8]) -> Result<Font<'_>, String> {
    if u32_at(font, 0)? != 0x0001_0000 {
        return Err("not a TrueType (glyf) font".to_owned());
    }
    let table_count = usize::from(u16_at(font, 4)?);
    let mut tables: BTreeMap<[u8; 4], &[u8]> = BTreeMap::new();
    for index in 0..table_count {
        let record = 12 + 16 * index;
        let tag = font.get(record..record + 4).ok_or("truncated table directory")?;
        let (offset, length) = (u32_at(font, record + 8)? as usize, u32_at(font, record + 12)? as usize);
        let data = font.get(offset..offset.saturating_add(length)).ok_or("table outside the file")?;
        tables.insert([tag[0], tag[1], tag[2], tag[3]], data);
    }
    let table =
        |tag: &[u8; 4]| tables.get(tag).copied().ok_or_else(|| format!("no {} table", String::from_utf8_lossy(tag)));
    let (head, maxp, loca, glyf) = (table(b"head")?, table(b"maxp")?, table(b"loca")?, table(b"glyf")?);
    let long_loca = u16_at(head, 50)? != 0;
    let num_glyphs = usize::from(u16_at(maxp, 4)?);
    let ranges = glyph_ranges(loca, long_loca, num_glyphs, glyf.len())?;
    Ok(Font { tables, head, glyf, ranges })
}

/// Each glyph's outline data, by glyph id (empty for glyphs without one).
#[cfg(test)]
pub(crate) fn outlines(font: &[u8]) -> Result<Vec<&[u8]>, String> {
    let font = parse(font)?;
    Ok(font.ranges.iter().map(|&(start, end)| &font.glyf[start..end]).collect())
}

/// A copy of the TrueType font `font` in which only the glyphs in `keep` (plus `.notdef` and their
/// components) have outlines. Glyph ids do not change.
pub(crate) fn subset(font: &[u8], keep: &BTreeSet<u16>) -> Result<Vec<u8>, String> {
    let Font { tables, head, glyf, ranges } = parse(font)?;
    let num_glyphs = ranges.len();

    // The glyphs to keep, closed over composite components.
    let mut kept = BTreeSet::new();
    let mut pending: Vec<u16> = keep.iter().copied().filter(|&gid| usize::from(gid) < num_glyphs).collect();
    pending.push(0);
    while let Some(gid) = pending.pop() {
        if !kept.insert(gid) {
            continue;
        }
        let (start, end) = ranges[usize::from(gid)];
        for component in components(&glyf[start..end])? {
            if usize::from(component) < num_glyphs && !kept.contains(&component) {
                pending.push(component);
            }
        }
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((num_glyphs + 1) * 4);
    for (gid, &(start, end)) in ranges.iter().enumerate() {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if kept.contains(&(gid as u16)) {
            new_glyf.extend_from_slice(&glyf[start..end]);
            new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());

    let mut new_head = head.to_vec();
    new_head.get_mut(8..12).ok_or("head table too short")?.copy_from_slice(&[0; 4]);
    new_head.get_mut(50..52).ok_or("head table too short")?.copy_from_slice(&1u16.to_be_bytes());
    let new_post = match tables.get(b"post") {
        Some(post) if post.len() >= 32 => {
            let mut post = post[..32].to_vec();
            post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
            Some(post)
        }
        _ => None,
    };

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, data) in &tables {
        if DROPPED.contains(&tag) {
            continue;
        }
        let data = match tag {
            b"glyf" => std::mem::take(&mut new_glyf),
            b"loca" => std::mem::take(&mut new_loca),
            b"head" => std::mem::take(&mut new_head),
            b"post" => match &new_post {
                Some(post) => post.clone(),
                None => continue,
            },
            _ => data.to_vec(),
        };
        out_tables.push((*tag, data));
    }
    Ok(assemble(&out_tables))
}

/// Writes an sfnt from tables sorted by tag, with checksums and `head.checkSumAdjustment`.
fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let count = tables.len() as u16;
    let entry_selector = 15 - count.max(1).leading_zeros() as u16;
    let search_range = (1u16 << entry_selector) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    for value in [count, search_range, entry_selector, count * 16 - search_range] {
        out.extend_from_slice(&value.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(head_at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[head_at + 8..head_at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}
