//! Big libraries for tests: copies of the seed article, each under its own URL. Shared by the
//! integration tests and the end-to-end tests.

use clipdesk::library::NewClip;

/// `n` copies of `tests/fixtures/pages/seed-article.html`, clipped once; copy `i` is at
/// `https://copies.example/{i}` and `edit(i, &mut copy)` makes it different where a test needs.
pub fn seed_copies(n: usize, mut edit: impl FnMut(usize, &mut NewClip)) -> Vec<NewClip> {
    let page = include_bytes!("../fixtures/pages/seed-article.html").to_vec();
    let page = clipdesk::clip::saved_page(page, "https://www.timesofisrael.com/a/").expect("seed page");
    let clip = clipdesk::clip::prepare(&page).expect("extract the seed page");
    (0..n)
        .map(|i| {
            let mut c = clip.clone();
            c.url = format!("https://copies.example/{i}");
            c.canonical_url = c.url.clone();
            c.url_keys = vec![c.url.clone()];
            edit(i, &mut c);
            c
        })
        .collect()
}
