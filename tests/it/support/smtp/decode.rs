//! Decoders for what lettre emits in a single-part text message: quoted-printable and base64
//! bodies (RFC 2045) and `B`/`Q` encoded words in headers (RFC 2047).

/// Undoes quoted-printable (RFC 2045 §6.7): `=` at a line end is a soft break, `=XX` a byte.
pub fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            out.push(bytes[i]);
            i += 1;
        } else if bytes[i + 1..].starts_with(b"\r\n") {
            i += 3;
        } else if bytes[i + 1..].starts_with(b"\n") {
            i += 2;
        } else if let Some(byte) = text
            .get(i + 1..i + 3)
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
        } else {
            // A stray `=`: keep it, as RFC 2045 advises robust decoders to.
            out.push(b'=');
            i += 1;
        }
    }
    out
}

/// Decodes standard base64, ignoring whitespace and line breaks; `None` on any other character.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
    {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes `=?charset?B|Q?text?=` words (UTF-8 or ASCII assumed); whitespace between two
/// encoded words is dropped, as RFC 2047 §6.2 requires.
pub fn decode_encoded_words(value: &str) -> String {
    let mut out = String::new();
    let mut pending_space = String::new();
    let mut previous_was_encoded = false;
    for token in value.split_inclusive([' ', '\t']) {
        let word = token.trim_end_matches([' ', '\t']);
        let space = &token[word.len()..];
        let decoded = word
            .strip_prefix("=?")
            .and_then(|rest| rest.strip_suffix("?="))
            .and_then(|inner| {
                let mut parts = inner.splitn(3, '?');
                let (_charset, kind, text) = (parts.next()?, parts.next()?, parts.next()?);
                let bytes = match kind.to_ascii_uppercase().as_str() {
                    "B" => decode_base64(text)?,
                    "Q" => decode_quoted_printable(&text.replace('_', " ")),
                    _ => return None,
                };
                String::from_utf8(bytes).ok()
            });
        match decoded {
            Some(text) => {
                if !previous_was_encoded {
                    out.push_str(&pending_space);
                }
                out.push_str(&text);
                previous_was_encoded = true;
            }
            None => {
                out.push_str(&pending_space);
                out.push_str(word);
                previous_was_encoded = false;
            }
        }
        pending_space = space.to_string();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoders_handle_what_lettre_emits() {
        assert_eq!(
            decode_quoted_printable("a=3Db caf=C3=A9 long=\r\nline"),
            "a=b café longline".as_bytes()
        );
        assert_eq!(decode_base64("Q2Fmw6k=\r\n").unwrap(), "Café".as_bytes());
        assert_eq!(
            decode_encoded_words("=?utf-8?b?Q2Fmw6k=?= =?utf-8?q?_cr=C3=A8me?= now"),
            "Café crème now"
        );
        assert_eq!(decode_encoded_words("plain subject"), "plain subject");
    }
}
