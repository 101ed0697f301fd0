//! Deciding whether two clips are copies of one text, or report the same event.
//!
//! **Copies** ([`copy`]): the estimated containment of the shorter text's shingles in the longer
//! one's is at least [`COPY_CONTAINMENT`] and their Jaccard similarity at least [`COPY_JACCARD`]
//! (so a quoted paragraph inside a long live blog is not a copy of the wire story it quotes), and
//! their figures do not conflict (see below).
//!
//! **Same story** ([`same_story`]): a logistic model over three similarities of the two clips'
//! weighted terms ([`super::signature`]), fitted on the SemEval 2022 task 8 development pairs
//! (`clipdesk-bench stories`, which also reports it cross-validated):
//! - `all`: cosine of the title-and-lead vectors. It decides within one language: the same event
//!   is told with the same rare words (names, places, the thing that happened).
//! - `title_x`: the larger cosine of one clip's headline with the other's title and lead. A
//!   headline names the event; a different event of the same outlet or place shares the place
//!   names of the text but not the headline's words.
//! - `entity`: cosine of the entity terms only — names (by their consonant skeleton, so "Путин",
//!   "Poutine" and "Putin" agree), numbers, and actors. Across languages the words differ and
//!   only these are shared; it carries most of the weight there.
//!
//! Within a language the model is `all` and `title_x`; across languages `entity` joins them with
//! its own weights and threshold. Tried and left out (they did not help on the development pairs,
//! see `docs/benchmarks.md`): the entity cosine within a language (a place shared by a town's
//! other news outweighs it), the gazetteer actors on their own (countries are named by most
//! articles), a number-overlap feature.
//!
//! Two guards apply to both relations: two texts that each cite at least three significant
//! figures (counts, amounts, decimals — not years) sharing fewer than a fifth of them report
//! different events written from one template ("Nasdaq closes higher", every evening); and the
//! further apart in time, the more similar two clips must be ([`DECAY_PER_DAY`]).

use super::minhash;
use super::signature::{flag, Signature};

/// Copies: containment of the shorter text in the longer one.
pub const COPY_CONTAINMENT: f64 = 0.6;
/// Copies: Jaccard similarity of the two shingle sets.
pub const COPY_JACCARD: f64 = 0.25;

/// A logistic model: `bias + all·w_all + title_x·w_title + entity·w_entity`, same story when at
/// least `threshold`.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub w_all: f64,
    pub w_title: f64,
    pub w_entity: f64,
    pub bias: f64,
    pub threshold: f64,
}

/// Within one language.
pub const MONO: Model = Model { w_all: 7.3, w_title: 7.2, w_entity: 0.0, bias: -2.77, threshold: 0.5 };
/// Across languages.
pub const CROSS: Model = Model { w_all: 2.4, w_title: 2.3, w_entity: 6.1, bias: -2.05, threshold: 0.3 };

/// The required score rises by this much per day between the two clips beyond the first.
pub const DECAY_PER_DAY: f64 = 0.5;

/// What the model reads of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    pub all: f64,
    pub title_x: f64,
    pub entity: f64,
    /// Both cite three or more significant figures and share under a fifth of them.
    pub figures_conflict: bool,
}

/// The similarities of two signatures (one merge pass over their sorted terms).
pub fn features(a: &Signature, b: &Signature) -> Features {
    let (mut dot, mut ta_b, mut tb_a, mut ent) = (0f32, 0f32, 0f32, 0f32);
    let (mut i, mut j) = (0, 0);
    let mut shared_figures = 0;
    while i < a.terms.len() && j < b.terms.len() {
        let (x, y) = (&a.terms[i], &b.terms[j]);
        match x.hash.cmp(&y.hash) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let p = x.weight * y.weight;
                dot += p;
                if x.flags & flag::TITLE != 0 {
                    ta_b += p;
                }
                if y.flags & flag::TITLE != 0 {
                    tb_a += p;
                }
                if x.flags & flag::ENTITY != 0 && y.flags & flag::ENTITY != 0 {
                    ent += p;
                }
                if x.flags & flag::SIGNIFICANT != 0 && y.flags & flag::SIGNIFICANT != 0 {
                    shared_figures += 1;
                }
                i += 1;
                j += 1;
            }
        }
    }
    let cos = |d: f32, n1: f32, n2: f32| if n1 > 0.0 && n2 > 0.0 { f64::from(d / (n1 * n2)).min(1.0) } else { 0.0 };
    let figures = |s: &Signature| s.terms.iter().filter(|t| t.flags & flag::SIGNIFICANT != 0).count();
    let (fa, fb) = (figures(a), figures(b));
    Features {
        all: cos(dot, a.norms.all, b.norms.all),
        title_x: cos(ta_b, a.norms.title, b.norms.all).max(cos(tb_a, b.norms.title, a.norms.all)),
        entity: cos(ent, a.norms.entity, b.norms.entity),
        figures_conflict: fa >= 3 && fb >= 3 && shared_figures * 5 < fa.min(fb),
    }
}

/// Whether two clips are in different languages (unknown languages count as the same).
pub fn cross_language(a: &Signature, b: &Signature) -> bool {
    matches!((&a.lang, &b.lang), (Some(x), Some(y)) if x != y)
}

/// The model's score of a pair, and the model used.
pub fn logit(f: &Features, cross: bool) -> (f64, Model) {
    let m = if cross { CROSS } else { MONO };
    (m.bias + m.w_all * f.all + m.w_title * f.title_x + m.w_entity * f.entity, m)
}

/// The score by which `a` and `b` are one story, if they are: the model's score above its
/// threshold, raised for clips more than a day apart. `None` when they are not.
pub fn same_story(a: &Signature, b: &Signature) -> Option<f64> {
    let f = features(a, b);
    if f.figures_conflict {
        return None;
    }
    let (score, model) = logit(&f, cross_language(a, b));
    let days = (a.at - b.at).unsigned_abs() as f64 / 86_400.0;
    let required = model.threshold + DECAY_PER_DAY * (days - 1.0).max(0.0);
    (score >= required).then_some(score - model.threshold)
}

/// The containment by which `a` and `b` are copies of one text, if they are.
pub fn copy(a: &Signature, b: &Signature) -> Option<f64> {
    let j = minhash::jaccard(&a.minhash, &b.minhash);
    if j < COPY_JACCARD {
        return None;
    }
    let c = minhash::containment(&a.minhash, &b.minhash);
    (c >= COPY_CONTAINMENT && !features(a, b).figures_conflict).then_some(c)
}
