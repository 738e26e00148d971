//! Metrics of the mail pipeline.
use prometheus::{HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Queue depth, deliveries by outcome, send latency, retries and dead letters.
#[derive(Clone)]
pub struct MailMetrics {
    pub queue_depth: IntGauge,
    pub deliveries: IntCounterVec,
    pub send_seconds: HistogramVec,
    pub retries: IntCounter,
    pub dead_letters: IntCounter,
}

impl MailMetrics {
    /// Registers the metrics in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let m = MailMetrics {
            queue_depth: IntGauge::new("mail_queue_depth", "Jobs waiting or in flight on the mail queue")?,
            deliveries: IntCounterVec::new(
                Opts::new("mail_deliveries_total", "Delivery attempts by outcome"),
                &["status"],
            )?,
            send_seconds: HistogramVec::new(
                HistogramOpts::new(
                    "mail_send_duration_seconds",
                    "Time to hand one message to the mail server",
                )
                .buckets(vec![0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
                &["mailer"],
            )?,
            retries: IntCounter::new(
                "mail_retries_total",
                "Deliveries queued again after a transient failure",
            )?,
            dead_letters: IntCounter::new("mail_dead_total", "Deliveries given up after the last attempt")?,
        };
        registry.register(Box::new(m.queue_depth.clone()))?;
        registry.register(Box::new(m.deliveries.clone()))?;
        registry.register(Box::new(m.send_seconds.clone()))?;
        registry.register(Box::new(m.retries.clone()))?;
        registry.register(Box::new(m.dead_letters.clone()))?;
        Ok(m)
    }
}
