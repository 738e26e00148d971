//! French first, English on request (`Accept-Language: en`).
use std::borrow::Cow;

/// A language the platform speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Picks from an `Accept-Language` header the first of French or English by
    /// preference; French when neither is asked for.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(header) = header else {
            return Lang::Fr;
        };
        let mut best: Option<(f32, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()))
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("fr") => Lang::Fr,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Fr, |(_, lang)| lang)
    }

    /// The language a page is shown in: the visitor's choice (the `lang`
    /// cookie) first, then the browser's `Accept-Language`.
    pub fn for_page(cookie: Option<&str>, header: Option<&str>) -> Lang {
        match cookie {
            Some("en") => Lang::En,
            Some("fr") => Lang::Fr,
            _ => Lang::negotiate(header),
        }
    }

    /// The BCP 47 tag, for `lang` attributes and `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub fr: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    /// A message known at compile time.
    pub const fn fixed(fr: &'static str, en: &'static str) -> Self {
        Text { fr: Cow::Borrowed(fr), en: Cow::Borrowed(en) }
    }

    /// A message built at run time.
    pub fn new(fr: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Text { fr: fr.into(), en: en.into() }
    }

    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_by_preference() {
        assert_eq!(Lang::negotiate(None), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("en")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de, en;q=0.5, fr;q=0.8")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("de, en;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some("de")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("en;q=0")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some(";;,=,q=")), Lang::Fr);
    }
}
