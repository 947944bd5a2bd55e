//! What the board page shows beyond its cards: which closed columns are folded (from the URL,
//! else remembered in a cookie, else Cancelled), the links that keep the page's filters, and
//! the numbers as people read them.

use axum::http::HeaderMap;

use super::present::CardView;
use crate::{
    domain::work_item::Status,
    http::cookies,
    services::board::{Column, Count},
};

/// The cookie that remembers which closed columns a person folded, between visits.
pub const FOLD_COOKIE: &str = "ops_board_fold";

/// The board's narrowing as it appears in its URL (`owner=me`, `tag=…`).
#[derive(Debug, Clone, Default)]
pub struct BoardUrl {
    pub owner: String,
    pub tag: String,
    pub fold: Vec<Status>,
}

impl BoardUrl {
    /// `&owner=…&tag=…` for links that keep the filters.
    fn filters(&self) -> String {
        let mut query = String::new();
        if !self.owner.is_empty() {
            query.push_str(&format!("&owner={}", encode(&self.owner)));
        }
        if !self.tag.is_empty() {
            query.push_str(&format!("&tag={}", encode(&self.tag)));
        }
        query
    }

    /// The `fold` parameter's value for `folds`: `none` when nothing is folded.
    pub fn fold_value(folds: &[Status]) -> String {
        if folds.is_empty() {
            "none".to_string()
        } else {
            folds
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(".")
        }
    }

    /// This board with `status` folded if it was open and opened if it was folded.
    fn toggled(&self, status: Status) -> String {
        let mut folds: Vec<Status> = self.fold.iter().copied().filter(|s| *s != status).collect();
        if !self.fold.contains(&status) {
            folds.push(status);
        }
        format!("/board?fold={}{}", Self::fold_value(&folds), self.filters())
    }

    /// This board with the open column `status` showing all its cards.
    fn expanded(&self, status: Status) -> String {
        format!(
            "/board?more={}&fold={}{}",
            status.as_str(),
            Self::fold_value(&self.fold),
            self.filters()
        )
    }

    /// The work list of a closed column's items, most recently changed first.
    fn work_list(&self, status: Status) -> String {
        format!(
            "/work?status={}&sort=-updatedAt{}",
            status.as_str(),
            self.filters()
        )
    }

    /// Where the add-card form returns to.
    pub fn back(&self) -> String {
        format!(
            "/board?fold={}{}",
            Self::fold_value(&self.fold),
            self.filters()
        )
    }
}

/// Reads a `fold` value (`DONE.CANCELLED`, `none`); only closed columns fold. `None` for a
/// value that names nothing sensible.
pub fn parse_fold(raw: &str) -> Option<Vec<Status>> {
    if raw == "none" {
        return Some(Vec::new());
    }
    let folds: Vec<Status> = raw
        .split(['.', ','])
        .filter_map(|part| part.trim().parse::<Status>().ok())
        .filter(|status| !status.is_open())
        .collect();
    (!folds.is_empty()).then_some(folds)
}

/// The folds for this request: the URL's, else the remembered ones, else Cancelled (rarely
/// looked at, and the board fits a laptop with it folded).
pub fn folds(url_fold: Option<&str>, headers: &HeaderMap) -> (Vec<Status>, bool) {
    if let Some(folds) = url_fold.and_then(parse_fold) {
        return (folds, true);
    }
    let remembered = cookies::read(headers, FOLD_COOKIE).and_then(|raw| parse_fold(&raw));
    (remembered.unwrap_or_else(|| vec![Status::Cancelled]), false)
}

/// A column as the template shows it.
pub struct ColumnView {
    pub status: Status,
    pub label: &'static str,
    pub cards: Vec<CardView>,
    /// "12", or "1,000+" when counting stopped.
    pub count: String,
    /// The count as a number, for app.js to adjust when cards move.
    pub total: u64,
    pub at_least: bool,
    /// Spelled out for screen readers: "12 cards".
    pub count_words: String,
    pub closed: bool,
    pub folded: bool,
    /// Folds or unfolds this (closed) column.
    pub toggle: String,
    /// The link to the cards not shown, with its text.
    pub more: Option<(String, String)>,
}

impl ColumnView {
    pub fn new(column: Column, cards: Vec<CardView>, url: &BoardUrl) -> ColumnView {
        let status = column.status;
        let shown = cards.len() as u64;
        let more = (column.total.n > shown && !column.folded).then(|| {
            if status.is_open() {
                (
                    url.expanded(status),
                    format!("Show all {}", count_text(column.total)),
                )
            } else {
                let rest = Count {
                    n: column.total.n - shown,
                    at_least: column.total.at_least,
                };
                (url.work_list(status), format!("{} more", count_text(rest)))
            }
        });
        ColumnView {
            status,
            label: status.label(),
            count: count_text(column.total),
            total: column.total.n,
            at_least: column.total.at_least,
            count_words: match column.total {
                Count {
                    n: 1,
                    at_least: false,
                } => "1 card".to_string(),
                total => format!("{} cards", count_text(total)),
            },
            closed: !status.is_open(),
            folded: column.folded,
            toggle: url.toggled(status),
            more,
            cards,
        }
    }
}

/// `1234` → "1,234"; a count that stopped at the cap gets a "+".
pub fn count_text(count: Count) -> String {
    let digits = count.n.to_string();
    let mut text = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    if count.at_least {
        text.push('+');
    }
    text
}

/// The columns' statuses and labels, for the Move menus.
pub fn status_options() -> Vec<(&'static str, &'static str)> {
    Status::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect()
}

fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_and_a_plus_past_the_cap() {
        let exact = |n| Count { n, at_least: false };
        assert_eq!(count_text(exact(0)), "0");
        assert_eq!(count_text(exact(999)), "999");
        assert_eq!(count_text(exact(85_000)), "85,000");
        assert_eq!(
            count_text(Count {
                n: 1000,
                at_least: true
            }),
            "1,000+"
        );
    }

    #[test]
    fn only_closed_columns_fold() {
        assert_eq!(parse_fold("none"), Some(vec![]));
        assert_eq!(
            parse_fold("DONE.CANCELLED"),
            Some(vec![Status::Done, Status::Cancelled])
        );
        assert_eq!(parse_fold("BACKLOG"), None);
        assert_eq!(parse_fold("nonsense"), None);
    }

    #[test]
    fn toggling_keeps_the_filters() {
        let url = BoardUrl {
            owner: "me".into(),
            tag: "web site".into(),
            fold: vec![Status::Cancelled],
        };
        assert_eq!(
            url.toggled(Status::Cancelled),
            "/board?fold=none&owner=me&tag=web+site"
        );
        assert_eq!(
            url.toggled(Status::Done),
            "/board?fold=CANCELLED.DONE&owner=me&tag=web+site"
        );
    }
}
