//! Searching the library with the query language of [`query`].

pub mod query;
