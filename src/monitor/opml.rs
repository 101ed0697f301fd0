//! STUB (replaced by the OPML module): the agreed types.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Opml {
    pub title: Option<String>,
    pub head: Vec<(String, String)>,
    pub outlines: Vec<Outline>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outline {
    pub text: String,
    pub title: Option<String>,
    pub xml_url: Option<String>,
    pub html_url: Option<String>,
    pub kind: Option<String>,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Outline>,
}

pub fn parse(_bytes: &[u8]) -> Result<Opml, crate::Error> {
    Err(crate::Error::input("feed.opml", "stub"))
}

pub fn write(_opml: &Opml) -> String {
    String::new()
}
