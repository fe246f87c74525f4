//! Reference lists shipped with the app: the European List of Waste (EWC codes) and NACE Rev. 2
//! sectors. Parsed once from `assets/reference/` (see `assets/ATTRIBUTION.md`).

use std::collections::HashMap;
use std::sync::OnceLock;

const EWC_CSV: &str = include_str!("../assets/reference/ewc_codes.csv");
const EWC_CHAPTERS_CSV: &str = include_str!("../assets/reference/ewc_chapters.csv");
const NACE_CSV: &str = include_str!("../assets/reference/nace_rev2.csv");

/// One entry of the European List of Waste (Commission Decision 2000/532/EC as amended).
#[derive(Clone, Debug, PartialEq)]
pub struct EwcEntry {
    /// Six digits, no spaces: `"100102"`.
    pub code: String,
    pub hazardous: bool,
    /// `Absolute hazardous`, `Mirror non-hazardous`, ...
    pub entry_type: String,
    pub description: String,
    pub chapter: String,
    pub subchapter: String,
}

impl EwcEntry {
    /// `"10 01 02"`, with a star for hazardous entries: the way the list prints codes.
    pub fn display_code(&self) -> String {
        let c = &self.code;
        format!(
            "{} {} {}{}",
            &c[0..2],
            &c[2..4],
            &c[4..6],
            if self.hazardous { "*" } else { "" }
        )
    }
}

pub struct EwcList {
    pub entries: Vec<EwcEntry>,
    by_code: HashMap<String, usize>,
}

/// Digits of an EWC code as written in the wild: `10 01 02`, `100102`, `10.01.02*`.
pub fn ewc_digits(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '*' | '-' | '\u{a0}'))
        .collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The canonical stored form of a code: `"10 01 02"` (no star).
pub fn ewc_spaced(digits: &str) -> String {
    format!("{} {} {}", &digits[0..2], &digits[2..4], &digits[4..6])
}

impl EwcList {
    pub fn get() -> &'static EwcList {
        static LIST: OnceLock<EwcList> = OnceLock::new();
        LIST.get_or_init(|| parse_ewc(EWC_CSV, EWC_CHAPTERS_CSV))
    }

    /// Looks a code up in any usual spelling.
    pub fn lookup(&self, text: &str) -> Option<&EwcEntry> {
        let digits = ewc_digits(text)?;
        self.by_code.get(&digits).map(|&i| &self.entries[i])
    }

    /// Entries whose code or description contains every word of `query` (case-insensitive).
    pub fn search<'a>(&'a self, query: &'a str) -> impl Iterator<Item = &'a EwcEntry> + 'a {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let digits = ewc_digits(query);
        self.entries.iter().filter(move |e| {
            if let Some(d) = &digits {
                return &e.code == d;
            }
            let hay = format!("{} {}", e.display_code(), e.description).to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
    }
}

fn parse_ewc(codes: &str, chapters: &str) -> EwcList {
    let mut titles = HashMap::new();
    let mut rd = csv::Reader::from_reader(chapters.as_bytes());
    for rec in rd.records().flatten() {
        titles.insert(rec[0].to_owned(), rec[1].to_owned());
    }
    let mut entries = Vec::new();
    let mut rd = csv::Reader::from_reader(codes.as_bytes());
    for rec in rd.records().flatten() {
        let title = |k: &str| titles.get(k).cloned().unwrap_or_default();
        entries.push(EwcEntry {
            code: rec[0].to_owned(),
            chapter: title(&rec[1]),
            subchapter: title(&rec[2]),
            hazardous: &rec[3] == "true",
            entry_type: rec[4].to_owned(),
            description: rec[5].to_owned(),
        });
    }
    let by_code = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.code.clone(), i))
        .collect();
    EwcList { entries, by_code }
}

/// One NACE Rev. 2 entry (section, division, group or class).
#[derive(Clone, Debug, PartialEq)]
pub struct NaceEntry {
    /// 1 = section (`C`), 2 = division (`23`), 3 = group (`23.5`), 4 = class (`23.51`).
    pub level: u8,
    pub code: String,
    pub section: char,
    pub description: String,
}

pub struct NaceList {
    pub entries: Vec<NaceEntry>,
    by_code: HashMap<String, usize>,
    /// Descriptions as [`nace_name_key`] writes them, to the most detailed entry of that name.
    by_name: HashMap<String, usize>,
}

/// A NACE description as names are compared: lower case, `;` read as `,` (registers saved as
/// `;`-separated text replace the list's semicolons), spaces collapsed.
fn nace_name_key(name: &str) -> String {
    name.to_lowercase()
        .replace(';', ",")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl NaceList {
    pub fn get() -> &'static NaceList {
        static LIST: OnceLock<NaceList> = OnceLock::new();
        LIST.get_or_init(|| parse_nace(NACE_CSV))
    }

    /// Resolves a sector written as a NACE code: `C`, `23`, `23.5`, `23.51`, `C23.51`,
    /// `C 23.51`, `2351`. Free text gives `None`.
    pub fn lookup(&self, text: &str) -> Option<&NaceEntry> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        let mut chars = t.chars();
        let first = chars.next()?;
        let rest = if first.is_ascii_alphabetic() {
            let rest = chars.as_str().trim_start_matches([' ', '-']);
            if rest.is_empty() {
                return self.find(&first.to_ascii_uppercase().to_string());
            }
            rest
        } else {
            t
        };
        let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty()
            || digits.len() > 4
            || !rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        {
            return None;
        }
        let code = match digits.len() {
            1 => return None,
            2 => digits,
            _ => format!("{}.{}", &digits[..2], &digits[2..]),
        };
        let entry = self.find(&code)?;
        // A given section letter must agree with the code.
        if first.is_ascii_alphabetic() && first.to_ascii_uppercase() != entry.section {
            return None;
        }
        Some(entry)
    }

    /// The entry whose description is `name` (case, spacing and `;` for `,` aside): the most
    /// detailed one where a group and its only class share a name (`Manufacture of refined
    /// petroleum products` is 19.2 and 19.20: 19.20).
    pub fn by_name(&self, name: &str) -> Option<&NaceEntry> {
        self.by_name
            .get(&nace_name_key(name))
            .map(|&i| &self.entries[i])
    }

    fn find(&self, code: &str) -> Option<&NaceEntry> {
        self.by_code.get(code).map(|&i| &self.entries[i])
    }

    /// The section entry (level 1) of a section letter.
    pub fn section(&self, letter: char) -> Option<&NaceEntry> {
        self.find(&letter.to_string())
    }
}

fn parse_nace(text: &str) -> NaceList {
    let mut entries = Vec::new();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    for rec in rd.records().flatten() {
        let Ok(level) = rec[0].parse::<u8>() else {
            continue;
        };
        let Some(section) = rec[3].chars().next() else {
            continue;
        };
        entries.push(NaceEntry {
            level,
            code: rec[1].to_owned(),
            section,
            description: rec[4].to_owned(),
        });
    }
    let by_code = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.code.clone(), i))
        .collect();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let slot = by_name.entry(nace_name_key(&e.description)).or_insert(i);
        if entries[*slot].level < e.level {
            *slot = i;
        }
    }
    NaceList {
        entries,
        by_code,
        by_name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_list_of_waste_is_there() {
        let list = EwcList::get();
        assert_eq!(list.entries.len(), 842);
        let fly_ash = list.lookup("10 01 02").unwrap();
        assert!(!fly_ash.hazardous);
        assert!(fly_ash.description.to_lowercase().contains("fly ash"));
        assert_eq!(list.lookup("100102"), Some(fly_ash));
        let oil_fly_ash = list.lookup("10 01 04*").unwrap();
        assert!(oil_fly_ash.hazardous);
        assert_eq!(oil_fly_ash.display_code(), "10 01 04*");
        assert!(list.lookup("99 99 99").is_none());
        assert!(list.lookup("10 01").is_none());
        assert!(list.search("fly ash coal").count() >= 1);
    }

    #[test]
    fn nace_codes_resolve_in_their_usual_spellings() {
        let nace = NaceList::get();
        let cement = nace.lookup("23.51").unwrap();
        assert_eq!(cement.section, 'C');
        assert!(cement.description.to_lowercase().contains("cement"));
        assert_eq!(nace.lookup("C23.51"), Some(cement));
        assert_eq!(nace.lookup("C 23.51"), Some(cement));
        assert_eq!(nace.lookup("2351"), Some(cement));
        assert_eq!(nace.lookup("c").unwrap().level, 1);
        assert_eq!(nace.lookup("35").unwrap().section, 'D');
        assert!(nace.lookup("A23.51").is_none(), "section letter must agree");
        assert!(nace.lookup("steel").is_none());
        assert!(nace.lookup("").is_none());
    }

    #[test]
    fn nace_names_resolve_to_the_most_detailed_entry() {
        let nace = NaceList::get();
        let refining = nace
            .by_name("Manufacture of refined petroleum products")
            .unwrap();
        assert_eq!(refining.code, "19.20", "the class, not the group 19.2");
        // E-PRTR writes the list's `;` as `,` in its `;`-separated files.
        let tyres = nace
            .by_name(
                "Manufacture of rubber tyres and tubes, retreading and rebuilding of rubber tyres",
            )
            .unwrap();
        assert_eq!(tyres.code, "22.11");
        assert_eq!(
            nace.by_name("  MANUFACTURE OF CEMENT ")
                .map(|e| e.code.as_str()),
            Some("23.51")
        );
        assert!(nace.by_name("Iron and steel").is_none());
    }
}
