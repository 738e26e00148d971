//! When to try a failed delivery again: exponential, capped, with jitter so
//! that thousands of retries after an outage do not all land at once.
use std::time::Duration;

/// Delay before attempt `attempt + 1` after `attempt` failures (`attempt` ≥ 1):
/// `base · 2^(attempt−1)` capped at `cap`, then scaled into [½, 1] by `jitter` ∈ [0, 1].
pub fn retry_delay(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exponent).min(cap);
    full.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_secs(30);
    const CAP: Duration = Duration::from_secs(3600);

    #[test]
    fn doubles_then_caps() {
        assert_eq!(retry_delay(1, BASE, CAP, 1.0), Duration::from_secs(30));
        assert_eq!(retry_delay(2, BASE, CAP, 1.0), Duration::from_secs(60));
        assert_eq!(retry_delay(4, BASE, CAP, 1.0), Duration::from_secs(240));
        assert_eq!(retry_delay(20, BASE, CAP, 1.0), CAP);
        assert_eq!(retry_delay(u32::MAX, BASE, CAP, 1.0), CAP);
    }

    #[test]
    fn jitter_spreads_over_the_upper_half() {
        assert_eq!(retry_delay(3, BASE, CAP, 0.0), Duration::from_secs(60));
        assert_eq!(retry_delay(3, BASE, CAP, 0.5), Duration::from_secs(90));
        assert_eq!(retry_delay(3, BASE, CAP, 7.0), Duration::from_secs(120));
    }
}
