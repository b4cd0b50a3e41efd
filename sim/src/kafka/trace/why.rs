//! A trace event's free-text reason in English and Korean, written side by side where the
//! event is recorded, so that the Korean event log explains as much as the English one.

use std::borrow::Cow;
use std::fmt;

use serde::{Serialize, Serializer};

/// Why something happened (an election's reason, a member's removal): the English text, which
/// the canonical trace and its JSON show, and the Korean text, which `--lang ko` shows. Boxed,
/// so that a reason costs a trace event one pointer, as the plain `String` it replaced did not
/// cost more than three.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Why(Box<Texts>);

#[derive(Clone, Debug, PartialEq, Eq)]
struct Texts {
    en: Cow<'static, str>,
    ko: Cow<'static, str>,
}

impl Why {
    /// Both languages; build it with `why!`, which keeps the two texts side by side.
    pub fn new(en: fmt::Arguments<'_>, ko: fmt::Arguments<'_>) -> Why {
        Why(Box::new(Texts {
            en: text(en),
            ko: text(ko),
        }))
    }

    /// The same words in both languages: a name (an error, a config, an API call) that Korean
    /// text keeps as it is.
    pub fn verbatim(text: impl Into<String>) -> Why {
        let text: String = text.into();
        Why(Box::new(Texts {
            en: Cow::Owned(text.clone()),
            ko: Cow::Owned(text),
        }))
    }

    /// The English text, as the canonical trace shows it.
    pub fn en(&self) -> &str {
        &self.0.en
    }

    /// The Korean text; the English one for a reason not translated yet.
    pub fn ko(&self) -> &str {
        if self.0.ko.is_empty() {
            &self.0.en
        } else {
            &self.0.ko
        }
    }

    /// The text in one language.
    pub fn in_lang(&self, lang: crate::scenario::Lang) -> &str {
        match lang {
            crate::scenario::Lang::En => &self.0.en,
            crate::scenario::Lang::Ko => &self.0.ko,
        }
    }

    /// Both texts with a prefix each: `removed: {why}` becomes `removed: …` / `제거됨: …`.
    pub fn wrap(&self, en: &str, ko: &str) -> Why {
        Why(Box::new(Texts {
            en: Cow::Owned(format!("{en}{}", self.0.en)),
            ko: Cow::Owned(format!("{ko}{}", self.0.ko)),
        }))
    }
}

/// A literal stays borrowed; only a text with arguments is formatted into a new string.
fn text(args: fmt::Arguments<'_>) -> Cow<'static, str> {
    match args.as_str() {
        Some(literal) => Cow::Borrowed(literal),
        None => Cow::Owned(fmt::format(args)),
    }
}

/// The English text: the trace's text and JSON are the same as when reasons were plain strings.
impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.en)
    }
}

impl Serialize for Why {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.en)
    }
}

impl std::ops::Deref for Why {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0.en
    }
}

/// `why!("{b} is back" ; "{b} 복귀")`: a `Why` from an English and a Korean format string,
/// both required by the macro's shape, so a reason cannot be recorded in English alone.
macro_rules! why {
    ($en:literal $(, $ea:expr)* ; $ko:literal $(, $ka:expr)* $(,)?) => {
        $crate::kafka::trace::Why::new(format_args!($en $(, $ea)*), format_args!($ko $(, $ka)*))
    };
}
pub(crate) use why;

#[cfg(test)]
mod tests {
    use super::*;

    /// Both sides keep their own text, and the English side is what Display and JSON show.
    #[test]
    fn display_and_json_show_the_english_side() {
        let b = "b1";
        let why = why!("{b} is back" ; "{b} 복귀");
        assert_eq!(why.to_string(), "b1 is back");
        assert_eq!(why.ko(), "b1 복귀");
        assert_eq!(serde_json::to_string(&why).unwrap(), "\"b1 is back\"");
        let literal = why!("scenario" ; "시나리오");
        assert!(matches!(literal.0.en, Cow::Borrowed("scenario")));
        assert_eq!(std::mem::size_of::<Why>(), std::mem::size_of::<usize>());
    }
}
