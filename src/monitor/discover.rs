//! STUB (replaced by the discovery module): the agreed API.
pub struct FeedLink {
    pub url: String,
    pub title: Option<String>,
    pub kind: &'static str,
}
pub fn feed_links(_html: &str, _page_url: &url::Url) -> Vec<FeedLink> {
    Vec::new()
}
pub fn candidates(_page_url: &url::Url) -> Vec<url::Url> {
    Vec::new()
}
