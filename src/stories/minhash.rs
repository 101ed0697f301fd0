//! Copies: the same text republished, found by MinHash over shingles of four words.
//!
//! A text's shingles (every run of four consecutive words, case and accents folded; each Chinese or
//! Japanese character a word) are hashed once each, and one-permutation hashing (Li, Owen and
//! Zhang 2012) keeps the smallest hash in each of [`VALUES`] buckets; empty buckets of short texts
//! borrow a non-empty bucket's value chosen by a fixed sequence (Shrivastava's optimal
//! densification, 2017), so two sketches agree in a bucket with probability equal to the texts'
//! Jaccard similarity. Each value is kept as 16 bits (b-bit MinHash: two different values agree by
//! chance once in 65,536), so a sketch is 128 bytes.
//!
//! Why shingles and MinHash: a republished wire story keeps its sentences; a new headline, a
//! dateline, captions or a paragraph added or dropped change few shingles, and a copy cut to 60% of
//! the text keeps 60% of them. The Jaccard similarity then falls, but the *containment* of the
//! shorter text in the longer one stays high; it is estimated from the Jaccard estimate and the
//! two shingle counts ([`containment`]). Candidates come from LSH: [`BANDS`] bands of two values,
//! each band's pair hashed to a key stored in SQLite (`story_band`), so a text meets the texts that
//! share any band with it — pairs with a Jaccard of 0.35 share one with probability 0.98, unrelated
//! texts almost never.

use super::features::mix;

/// Values in a sketch.
pub const VALUES: usize = 64;
/// LSH bands (of `VALUES / BANDS` values each).
pub const BANDS: usize = 32;
const ROWS: usize = VALUES / BANDS;
/// Words per shingle.
pub const SHINGLE_WORDS: usize = 4;
/// Only the start of a very long text is sketched (a copy cut short keeps its start).
pub const MAX_BYTES: usize = 40_000;

/// A text's sketch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHash {
    pub values: [u16; VALUES],
    /// Distinct shingles in the text (0: nothing to compare).
    pub shingles: u32,
}

impl MinHash {
    pub fn empty() -> Self {
        MinHash { values: [u16::MAX; VALUES], shingles: 0 }
    }

    /// The values as stored: little-endian u16s.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// Reads stored values; `None` for a blob of the wrong size.
    pub fn from_bytes(bytes: &[u8], shingles: u32) -> Option<Self> {
        if bytes.len() != VALUES * 2 {
            return None;
        }
        let mut values = [0u16; VALUES];
        for (v, pair) in values.iter_mut().zip(bytes.chunks_exact(2)) {
            *v = u16::from_le_bytes([pair[0], pair[1]]);
        }
        Some(MinHash { values, shingles })
    }

    /// The LSH keys of the sketch, one per band (none for an empty text).
    pub fn bands(&self) -> Vec<i64> {
        if self.shingles == 0 {
            return Vec::new();
        }
        (0..BANDS)
            .map(|b| {
                let mut k = (b as u64) << 40;
                for r in 0..ROWS {
                    k |= u64::from(self.values[b * ROWS + r]) << (16 * r);
                }
                // 40 bits: a 6-byte integer in SQLite, and collisions among a million texts' keys
                // stay rare (a collision only costs a comparison).
                (mix(k) & 0xff_ffff_ffff) as i64
            })
            .collect()
    }
}

/// The words of a folded text, hashed: alphanumeric runs, and each CJK character on its own.
fn word_hashes(folded: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut h: u64 = 0;
    let mut in_word = false;
    let fnv = |h: u64, c: char| {
        let mut h = if h == 0 { 0xcbf2_9ce4_8422_2325 } else { h };
        let mut buf = [0u8; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    for c in folded.chars() {
        if crate::text::is_cjk(c) {
            if in_word {
                out.push(h);
                in_word = false;
            }
            out.push(fnv(0, c));
            h = 0;
        } else if c.is_alphanumeric() {
            h = fnv(if in_word { h } else { 0 }, c);
            in_word = true;
        } else if in_word {
            out.push(h);
            in_word = false;
            h = 0;
        }
    }
    if in_word {
        out.push(h);
    }
    out
}

/// The sketch of a text.
pub fn minhash(text: &str) -> MinHash {
    let folded = crate::text::fold(crate::text::truncate_bytes(text, MAX_BYTES));
    let words = word_hashes(&folded);
    if words.is_empty() {
        return MinHash::empty();
    }
    let mut shingles: Vec<u64> = if words.len() < SHINGLE_WORDS {
        vec![words.iter().fold(0u64, |acc, w| mix(acc.rotate_left(17) ^ w))]
    } else {
        words.windows(SHINGLE_WORDS).map(|w| w.iter().fold(0u64, |acc, h| mix(acc.rotate_left(17) ^ h))).collect()
    };
    shingles.sort_unstable();
    shingles.dedup();
    const EMPTY: u64 = u64::MAX;
    let mut bins = [EMPTY; VALUES];
    for &s in &shingles {
        let bucket = (s >> 58) as usize % VALUES;
        let value = s & ((1 << 58) - 1);
        if value < bins[bucket] {
            bins[bucket] = value;
        }
    }
    // Optimal densification: an empty bucket takes the value of the first non-empty bucket in its
    // own fixed pseudo-random sequence of buckets (the same sequence for every text).
    let original = bins;
    let fallback = original.iter().copied().find(|&b| b != EMPTY).unwrap_or(0);
    for (i, bin) in bins.iter_mut().enumerate() {
        if *bin != EMPTY {
            continue;
        }
        for attempt in 0u64..4096 {
            let j = (mix(((i as u64) << 32) ^ attempt ^ 0x5bd1_e995) % VALUES as u64) as usize;
            if original[j] != EMPTY {
                *bin = original[j];
                break;
            }
        }
        if *bin == EMPTY {
            *bin = fallback;
        }
    }
    let mut values = [0u16; VALUES];
    for (v, b) in values.iter_mut().zip(bins) {
        *v = (mix(b) & 0xffff) as u16;
    }
    MinHash { values, shingles: shingles.len().min(u32::MAX as usize) as u32 }
}

/// The estimated Jaccard similarity of two texts' shingle sets.
pub fn jaccard(a: &MinHash, b: &MinHash) -> f64 {
    if a.shingles == 0 || b.shingles == 0 {
        return 0.0;
    }
    a.values.iter().zip(&b.values).filter(|(x, y)| x == y).count() as f64 / VALUES as f64
}

/// The estimated share of the shorter text's shingles found in the longer one, from the Jaccard
/// estimate and the two counts: |A∩B| = J·(|A|+|B|)/(1+J).
pub fn containment(a: &MinHash, b: &MinHash) -> f64 {
    let j = jaccard(a, b);
    if j == 0.0 {
        return 0.0;
    }
    let (sa, sb) = (f64::from(a.shingles), f64::from(b.shingles));
    let inter = j * (sa + sb) / (1.0 + j);
    (inter / sa.min(sb)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize, seed: usize) -> Vec<String> {
        (0..n).map(|i| format!("w{}x{}", (i * 7919 + seed * 104_729) % 100_003, i % 13)).collect()
    }

    #[test]
    fn copies_are_contained_and_unrelated_texts_are_not() {
        let original = words(600, 1).join(" ");
        // A copy cut to 60%, with a dateline and a paragraph of furniture.
        let cut = format!("MOSCOW (AP) — {} Subscribe to our newsletter for more news", words(360, 1).join(" "));
        let other = words(600, 2).join(" ");
        let (a, b, c) = (minhash(&original), minhash(&cut), minhash(&other));
        assert!(containment(&a, &b) > 0.85, "{}", containment(&a, &b));
        assert!(jaccard(&a, &b) > 0.4, "{}", jaccard(&a, &b));
        assert!(containment(&a, &c) < 0.1, "{}", containment(&a, &c));
        assert!(a.bands().iter().any(|k| b.bands().contains(k)));
        assert!(!a.bands().iter().any(|k| c.bands().contains(k)));
    }

    #[test]
    fn sketches_are_stable_and_round_trip() {
        let m = minhash("Putin calls Obama to discuss better coordination in Syria. 普京与奥巴马通电话。");
        assert_eq!(m, minhash("PUTIN calls Obama to discuss “better coordination” in Syria — 普京与奥巴马通电话"));
        assert_eq!(MinHash::from_bytes(&m.to_bytes(), m.shingles), Some(m.clone()));
        assert_eq!(minhash("").shingles, 0);
        assert!(minhash("").bands().is_empty());
        assert_eq!(minhash("one two").shingles, 1);
    }
}
