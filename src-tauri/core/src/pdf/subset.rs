//! A TrueType subsetter: the font program embedded in a PDF keeps only the glyphs a document uses (and
//! the glyphs those are composed of), renumbered from 0 so that `loca` and `hmtx` shrink with them (the
//! CJK face has some 50,000 glyphs). The content stream, `/W` widths and `/ToUnicode` map are written
//! with the new ids (render.rs maps each shaped glyph through [`Subset::new_id`]).
//!
//! printpdf subsets only with its `text_layout` feature (the azul layout engine), hence this module.
//!
//! Pure and defensive: malformed input gives an error, never a panic.

use std::collections::{BTreeMap, BTreeSet};

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
    Ok(component_positions(glyph)?.into_iter().map(|(_, gid)| gid).collect())
}

/// Where in a composite glyph each component's glyph id is, and the id.
fn component_positions(glyph: &[u8]) -> Result<Vec<(usize, u16)>, String> {
    if glyph.len() < 10 || (u16_at(glyph, 0)? as i16) >= 0 {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        found.push((at + 2, u16_at(glyph, at + 2)?));
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

/// A font program holding only some glyphs of a face, renumbered.
pub(crate) struct Subset {
    /// The TrueType font.
    pub bytes: Vec<u8>,
    /// Each kept glyph's id in the full face, by its id in the subset (`.notdef` first).
    pub old_ids: Vec<u16>,
    /// Each kept glyph's advance width in font units, by its id in the subset.
    pub advances: Vec<u16>,
}

impl Subset {
    /// The subset's id of the full face's glyph `old` (0, `.notdef`, for a glyph not kept).
    pub(crate) fn new_id(&self, old: u16) -> u16 {
        self.old_ids.binary_search(&old).map_or(0, |index| index as u16)
    }
}

/// A copy of the TrueType font `font` with only the glyphs in `keep` (plus `.notdef` and their
/// composite components), renumbered in the order of their old ids. Only what a PDF's CIDFontType2
/// needs is kept (ISO 32000-1, 9.9: `head`, `hhea`, `hmtx`, `loca`, `glyf`, `maxp` and the hinting
/// tables `cvt `, `fpgm`, `prep`, with `OS/2` and a `post` without glyph names): the content stream
/// addresses glyphs by id, so no `cmap` is needed, and per-glyph tables that would need renumbering
/// (`hdmx`, `LTSH`, `VDMX`, bitmaps, layout tables) are left out.
pub(crate) fn subset(font: &[u8], keep: &BTreeSet<u16>) -> Result<Subset, String> {
    let Font { tables, head, glyf, ranges } = parse(font)?;
    let num_glyphs = ranges.len();
    let table =
        |tag: &[u8; 4]| tables.get(tag).copied().ok_or_else(|| format!("no {} table", String::from_utf8_lossy(tag)));
    let (hhea, hmtx, maxp) = (table(b"hhea")?, table(b"hmtx")?, table(b"maxp")?);
    let long_metrics = usize::from(u16_at(hhea, 34)?).clamp(1, num_glyphs.max(1));

    // The glyphs to keep, closed over composite components.
    let mut kept = BTreeSet::new();
    let mut pending: Vec<u16> = keep.iter().copied().filter(|&gid| usize::from(gid) < num_glyphs).collect();
    pending.push(0);
    while let Some(gid) = pending.pop() {
        if usize::from(gid) >= num_glyphs || !kept.insert(gid) {
            continue;
        }
        let (start, end) = ranges[usize::from(gid)];
        for component in components(&glyf[start..end])? {
            if usize::from(component) < num_glyphs && !kept.contains(&component) {
                pending.push(component);
            }
        }
    }
    let old_ids: Vec<u16> = kept.into_iter().collect();
    let new_id = |old: u16| old_ids.binary_search(&old).map_or(0, |index| index as u16);

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((old_ids.len() + 1) * 4);
    let mut new_hmtx = Vec::with_capacity(old_ids.len() * 4);
    let mut advances = Vec::with_capacity(old_ids.len());
    for &old in &old_ids {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        let (start, end) = ranges[usize::from(old)];
        let mut glyph = glyf[start..end].to_vec();
        for (at, component) in component_positions(&glyph)? {
            glyph[at..at + 2].copy_from_slice(&new_id(component).to_be_bytes());
        }
        new_glyf.extend_from_slice(&glyph);
        new_glyf.resize(new_glyf.len().next_multiple_of(4), 0);
        let old = usize::from(old);
        let advance = u16_at(hmtx, 4 * old.min(long_metrics - 1))?;
        let lsb = if old < long_metrics {
            u16_at(hmtx, 4 * old + 2)?
        } else {
            u16_at(hmtx, 4 * long_metrics + 2 * (old - long_metrics)).unwrap_or(0)
        };
        new_hmtx.extend_from_slice(&advance.to_be_bytes());
        new_hmtx.extend_from_slice(&lsb.to_be_bytes());
        advances.push(advance);
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let count = (old_ids.len() as u16).to_be_bytes();

    let mut new_head = head.to_vec();
    new_head.get_mut(8..12).ok_or("head table too short")?.copy_from_slice(&[0; 4]);
    new_head.get_mut(50..52).ok_or("head table too short")?.copy_from_slice(&1u16.to_be_bytes());
    let mut new_hhea = hhea.to_vec();
    new_hhea.get_mut(34..36).ok_or("hhea table too short")?.copy_from_slice(&count);
    let mut new_maxp = maxp.to_vec();
    new_maxp.get_mut(4..6).ok_or("maxp table too short")?.copy_from_slice(&count);

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for (tag, data) in &tables {
        let data = match tag {
            b"glyf" => std::mem::take(&mut new_glyf),
            b"loca" => std::mem::take(&mut new_loca),
            b"head" => std::mem::take(&mut new_head),
            b"hhea" => std::mem::take(&mut new_hhea),
            b"hmtx" => std::mem::take(&mut new_hmtx),
            b"maxp" => std::mem::take(&mut new_maxp),
            b"post" if data.len() >= 32 => {
                let mut post = data[..32].to_vec();
                post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
                post
            }
            b"cvt " | b"fpgm" | b"prep" | b"OS/2" => data.to_vec(),
            _ => continue,
        };
        out_tables.push((*tag, data));
    }
    Ok(Subset { bytes: assemble(&out_tables), old_ids, advances })
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
