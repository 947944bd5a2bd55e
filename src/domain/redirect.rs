//! Where a person may be sent after signing in: a path on this site, never another one.
//!
//! Browsers are lenient with URLs: they drop tabs and line breaks, read `\` as `/`, and a
//! path that starts with two slashes names another host. So the rule is an allow-list —
//! printable ASCII, one leading `/`, no backslash — checked on the value as given; every
//! percent-decoded form of it must still be a local path without control characters; and
//! finally the path is resolved against a base URL, which must keep its host.

use url::Url;

/// The longest `next` path kept; anything longer is not a link we made.
pub const MAX_NEXT_CHARS: usize = 2048;

/// How many rounds of percent-decoding are checked (double and triple encoding included).
const DECODE_ROUNDS: usize = 3;

/// `raw` when it is a same-site path, otherwise `/`.
pub fn same_site_path(raw: Option<&str>) -> String {
    match raw {
        Some(path) if is_same_site_path(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

/// True when following `path` cannot leave this site, however a browser reads it.
pub fn is_same_site_path(path: &str) -> bool {
    if path.len() > MAX_NEXT_CHARS {
        return false;
    }
    if !is_plain_local_path(path) {
        return false;
    }
    let mut current = path.to_string();
    for _ in 0..DECODE_ROUNDS {
        match percent_decode(&current) {
            Some(decoded) if decoded == current => break,
            Some(decoded) if !is_local_after_decoding(&decoded) => return false,
            Some(decoded) => current = decoded,
            // Bytes that are not UTF-8 after decoding: not a path we would have made.
            None => return false,
        }
    }
    resolves_to_same_host(path)
}

/// One leading `/`, then printable ASCII without a backslash.
fn is_plain_local_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/') | Some(b'\\'))
        && bytes
            .iter()
            .all(|b| (0x21..=0x7e).contains(b) && *b != b'\\')
}

/// A decoded form may hold any text (a search for "café"), but no control character and no
/// second leading slash, in case something along the way decodes it again.
fn is_local_after_decoding(path: &str) -> bool {
    path.starts_with('/')
        && !path[1..].starts_with(['/', '\\'])
        && !path.chars().any(char::is_control)
}

/// The WHATWG parser, as browsers use it, must keep the host and scheme.
fn resolves_to_same_host(path: &str) -> bool {
    let base = Url::parse("http://same-site.invalid/").expect("a fixed base URL parses");
    base.join(path).is_ok_and(|joined| {
        joined.scheme() == "http"
            && joined.host_str() == Some("same-site.invalid")
            && joined.port().is_none()
            && joined.username().is_empty()
    })
}

/// Decodes `%XX` escapes once; `None` when the result is not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_site_paths_are_kept() {
        for path in [
            "/",
            "/profile?tab=tokens",
            "/work/0190f0e2-7b1c-7c4e-9a6e-3f0c2b1a9d8e#comments",
            "/work?q=caf%C3%A9&status=DONE",
            "/auth/signin?next=%2Fboard",
        ] {
            assert_eq!(same_site_path(Some(path)), path, "{path}");
        }
    }

    #[test]
    fn everything_that_could_leave_the_site_becomes_the_home_page() {
        for hostile in [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "\t//evil.example",
            " /x",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%2f/evil.example",
            "/%2F%2Fevil.example",
            "/%5cevil.example",
            "/%255c%255cevil.example",
            "/%25252f/evil.example",
            "/\u{0}x",
            "/x\u{7f}",
            "/\u{3000}/evil.example",
            "/caf\u{e9}",
            "https://evil.example",
            "http:evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/%ff",
        ] {
            assert_eq!(same_site_path(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(same_site_path(None), "/");
        assert_eq!(same_site_path(Some(&format!("/{}", "a".repeat(3000)))), "/");
    }
}
