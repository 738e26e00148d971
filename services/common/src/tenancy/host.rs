//! Classifying a Host header against `PLATFORM_DOMAIN`.
use crate::{
    config::strip_port,
    domain::{DEMO_SLUG, Slug},
};

/// What a Host header names, before any database lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    Platform,
    /// `<slug>.PLATFORM_DOMAIN`.
    TownSlug(Slug),
    /// Any other well-formed host: maybe a town's custom domain (port dropped).
    Custom(String),
    /// Nothing a town could ever have.
    Invalid,
}

impl HostName {
    /// Classifies `host` (as sent, any case, maybe with a port and a trailing dot).
    pub fn classify(host: &str, platform_domain: &str) -> HostName {
        let host = host.trim().to_ascii_lowercase();
        // Compare with the port only when the platform domain has one.
        let host = if platform_domain.contains(':') { host.as_str() } else { strip_port(&host) };
        let host = host.strip_suffix('.').unwrap_or(host);
        if host == platform_domain {
            return HostName::Platform;
        }
        if let Some(label) = host.strip_suffix(platform_domain).and_then(|rest| rest.strip_suffix('.')) {
            if label == DEMO_SLUG {
                return HostName::TownSlug(Slug::demo());
            }
            return Slug::parse(label).map_or(HostName::Invalid, HostName::TownSlug);
        }
        let name = strip_port(host);
        let plausible = !name.is_empty()
            && name.len() <= 253
            && name.contains('.')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if plausible { HostName::Custom(name.to_owned()) } else { HostName::Invalid }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> HostName {
        HostName::TownSlug(Slug::parse(s).unwrap())
    }

    #[test]
    fn with_a_port_in_the_platform_domain() {
        let d = "localhost:8080";
        assert_eq!(HostName::classify("localhost:8080", d), HostName::Platform);
        assert_eq!(HostName::classify("LocalHost:8080", d), HostName::Platform);
        assert_eq!(HostName::classify("saint-eloy.localhost:8080", d), slug("saint-eloy"));
        assert_eq!(HostName::classify("localhost:9090", d), HostName::Invalid);
        assert_eq!(HostName::classify("a.b.localhost:8080", d), HostName::Invalid);
        assert_eq!(HostName::classify("www.localhost:8080", d), HostName::Invalid);
        // Reserved names are no town's, except the demo town's.
        assert_eq!(HostName::classify("demo.localhost:8080", d), HostName::TownSlug(Slug::demo()));
    }

    #[test]
    fn without_a_port_in_the_platform_domain() {
        let d = "participer.example.fr";
        assert_eq!(HostName::classify("participer.example.fr:443", d), HostName::Platform);
        assert_eq!(HostName::classify("participer.example.fr.", d), HostName::Platform);
        assert_eq!(HostName::classify("ville.participer.example.fr", d), slug("ville"));
        assert_eq!(
            HostName::classify("Participer.Ville-X.fr:443", d),
            HostName::Custom("participer.ville-x.fr".into())
        );
        assert_eq!(HostName::classify("evil/../x", d), HostName::Invalid);
        assert_eq!(HostName::classify("", d), HostName::Invalid);
        assert_eq!(HostName::classify("10.0.0.1:8080", d), HostName::Custom("10.0.0.1".into()));
    }
}
