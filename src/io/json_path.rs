//! Paths into a JSON document (`facilities[3].outputs[0].ewc_code`) and where they start in
//! the text, so that an error found after parsing can still name its line.

use std::borrow::Cow;
use std::fmt;

/// One step of a path: an object key or an array index. A key is borrowed when it is a
/// literal (almost always): validating a region builds a path per stream and need, and owned
/// keys made that a fifth of loading a large region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(Cow<'static, str>),
    Index(usize),
}

/// A path from the document root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(pub Vec<Seg>);

impl JsonPath {
    pub fn root() -> Self {
        Self(Vec::new())
    }

    #[must_use]
    pub fn key(&self, key: impl Into<Cow<'static, str>>) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.into()));
        p
    }

    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(document)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Line and column (1-based) where the value at `path` starts, or of the deepest part of the
/// path that exists. `None` if the text is not JSON up to there.
pub fn locate(text: &str, path: &JsonPath) -> Option<(usize, usize)> {
    let mut c = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    c.ws();
    let mut found = c.pos;
    find(&mut c, &path.0, &mut found);
    Some(line_col(text, found))
}

fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..pos.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }
    fn eat(&mut self, b: u8) -> bool {
        self.ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Reads a string (the cursor on its opening quote) and returns its unescaped text.
    fn string(&mut self) -> Option<String> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'u' => {
                            let hex = std::str::from_utf8(self.bytes.get(self.pos..self.pos + 4)?)
                                .ok()?;
                            self.pos += 4;
                            let ch = char::from_u32(u32::from_str_radix(hex, 16).ok()?)
                                .unwrap_or('\u{fffd}');
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }
    /// Skips one value of any kind.
    fn skip(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                self.pos += 1;
                if self.eat(b'}') {
                    return Some(());
                }
                loop {
                    self.ws();
                    self.string()?;
                    if !self.eat(b':') {
                        return None;
                    }
                    self.skip()?;
                    if self.eat(b'}') {
                        return Some(());
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'[' => {
                self.pos += 1;
                if self.eat(b']') {
                    return Some(());
                }
                loop {
                    self.skip()?;
                    if self.eat(b']') {
                        return Some(());
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            _ => {
                while matches!(self.peek(), Some(b) if !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                {
                    self.pos += 1;
                }
                Some(())
            }
        }
    }
}

/// Walks down `path` from the value at the cursor; `found` keeps the start of the deepest value
/// reached.
fn find(c: &mut Cursor<'_>, path: &[Seg], found: &mut usize) -> Option<()> {
    c.ws();
    *found = c.pos;
    let Some((first, rest)) = path.split_first() else {
        return Some(());
    };
    match (first, c.peek()?) {
        (Seg::Key(want), b'{') => {
            c.pos += 1;
            if c.eat(b'}') {
                return None;
            }
            loop {
                c.ws();
                let key_pos = c.pos;
                let key = c.string()?;
                if !c.eat(b':') {
                    return None;
                }
                if &key == want {
                    *found = key_pos;
                    return find(c, rest, found);
                }
                c.skip()?;
                if c.eat(b'}') || !c.eat(b',') {
                    return None;
                }
            }
        }
        (Seg::Index(want), b'[') => {
            c.pos += 1;
            if c.eat(b']') {
                return None;
            }
            let mut i = 0;
            loop {
                if i == *want {
                    return find(c, rest, found);
                }
                c.skip()?;
                if c.eat(b']') || !c.eat(b',') {
                    return None;
                }
                i += 1;
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
  "name": "x",
  "facilities": [
    {"id": "a", "outputs": []},
    {
      "id": "b\"q",
      "outputs": [
        {"ewc_code": "99 99 99"}
      ]
    }
  ]
}"#;

    #[test]
    fn finds_the_line_of_a_nested_field() {
        let p = JsonPath::root()
            .key("facilities")
            .index(1)
            .key("outputs")
            .index(0)
            .key("ewc_code");
        assert_eq!(p.to_string(), "facilities[1].outputs[0].ewc_code");
        assert_eq!(locate(DOC, &p), Some((8, 22)), "points at the value");
        let id = JsonPath::root().key("facilities").index(1).key("id");
        assert_eq!(locate(DOC, &id).map(|l| l.0), Some(6));
    }

    #[test]
    fn a_missing_part_falls_back_to_the_deepest_found() {
        let p = JsonPath::root().key("facilities").index(7).key("id");
        assert_eq!(locate(DOC, &p).map(|l| l.0), Some(3));
        assert_eq!(locate("", &p), Some((1, 1)));
        assert_eq!(locate("{\"a\": [1, 2", &p), Some((1, 1)));
    }
}
