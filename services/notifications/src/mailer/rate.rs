//! A per-second cap on outgoing mail, shared by every task of a process.
use std::time::Duration;

use tokio::{sync::Mutex, time::Instant};

/// Spaces calls evenly: at most `per_second` a second; 0 means no cap.
pub struct RateLimiter {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` calls a second.
    pub fn per_second(per_second: u32) -> Self {
        let interval = (per_second > 0).then(|| Duration::from_secs(1) / per_second);
        RateLimiter { interval, next: Mutex::new(Instant::now()) }
    }

    /// Waits for this caller's slot.
    pub async fn wait(&self) {
        let Some(interval) = self.interval else { return };
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_calls_by_the_rate() {
        let limiter = RateLimiter::per_second(10);
        let start = Instant::now();
        for _ in 0..11 {
            limiter.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_no_cap() {
        let limiter = RateLimiter::per_second(0);
        let start = Instant::now();
        for _ in 0..1000 {
            limiter.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
