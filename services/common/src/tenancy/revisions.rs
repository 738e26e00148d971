//! Each town's revision: it moves on with every write that succeeds on the
//! town's host (and every write on the platform host moves all towns on),
//! here at once and, on PostgreSQL, in every other process through the
//! `town_writes` channel. What a process keeps of a town's pages is tagged
//! with the revision it was read at, and is current while the revision is.
use std::{
    collections::HashMap,
    sync::{
        LazyLock, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use actix_web::{
    FromRequest, Handler, HttpMessage, Responder,
    body::MessageBody,
    dev::{HttpServiceFactory, ServiceRequest, ServiceResponse},
    guard,
    middleware::{Next, from_fn},
    web,
};
use sea_orm::{
    DatabaseConnection, DbBackend,
    sqlx::{self, PgPool},
};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The channel writes are told on: town ids separated by commas, or `*`.
const CHANNEL: &str = "town_writes";
/// A notice's payload must stay under PostgreSQL's 8,000 bytes.
const IDS_PER_NOTICE: usize = 200;
/// Notices go at most this often, carrying every write since the last:
/// under a burst of writes, a few dozen statements a second, not one per write.
const NOTICE_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// The revisions of this process.
static REVISIONS: LazyLock<Revisions> = LazyLock::new(Revisions::default);
/// Towns to tell other processes about (`None`: all), when a teller runs.
static TELLER: Mutex<Option<mpsc::UnboundedSender<Option<Uuid>>>> = Mutex::new(None);

#[derive(Default)]
struct Revisions {
    counter: AtomicU64,
    /// The counter when every town last moved on.
    all_since: AtomicU64,
    towns: Mutex<HashMap<Uuid, u64>>,
}

impl Revisions {
    fn of(&self, town: Uuid) -> u64 {
        let own = self.towns.lock().map_or(0, |t| t.get(&town).copied().unwrap_or(0));
        own.max(self.all_since.load(Ordering::Acquire))
    }

    fn move_on(&self, town: Option<Uuid>) {
        let next = self.counter.fetch_add(1, Ordering::AcqRel) + 1;
        match town {
            Some(id) => {
                if let Ok(mut towns) = self.towns.lock() {
                    towns.insert(id, next);
                }
            }
            None => self.all_since.store(next, Ordering::Release),
        }
    }
}

/// Marks a request whose success changes no page of its town (a login, a
/// questionnaire response): the town's revision stays, and so do its kept pages.
#[derive(Debug, Clone, Copy)]
pub struct ChangesNoPage;

/// Route middleware marking its requests [`ChangesNoPage`].
pub async fn changes_no_page(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    req.extensions_mut().insert(ChangesNoPage);
    next.call(req).await
}

/// `POST path` answered by `handler`, marked [`ChangesNoPage`]; other methods
/// on `path` stay free for routes of their own.
pub fn post_changing_no_page<F, Args>(path: &str, handler: F) -> impl HttpServiceFactory + use<F, Args>
where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path).guard(guard::Post()).wrap(from_fn(changes_no_page)).route(web::post().to(handler))
}

/// The current revision of `town` in this process.
pub fn revision(town: Uuid) -> u64 {
    REVISIONS.of(town)
}

/// A write to `town` (`None`: to the platform, so to every town) succeeded:
/// its revision moves on here, and in other processes once told.
pub fn written(town: Option<Uuid>) {
    REVISIONS.move_on(town);
    if let Ok(teller) = TELLER.lock()
        && let Some(tx) = teller.as_ref()
    {
        let _ = tx.send(town);
    }
}

/// On PostgreSQL, tells other processes of this one's writes and follows
/// theirs, until `stop`. Writes are told in batches, within 20 ms: one notice
/// carries every town written since the last one.
pub fn follow_writes(db: &DatabaseConnection, stop: CancellationToken) {
    if db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let pool = db.get_postgres_connection_pool().clone();
    let (tx, rx) = mpsc::unbounded_channel();
    if let Ok(mut teller) = TELLER.lock() {
        *teller = Some(tx);
    }
    tokio::spawn(tell(pool.clone(), rx, stop.clone()));
    crate::listen::follow(pool, CHANNEL, "page freshness", stop, |notice| match notice {
        // Listening (again): writes may have gone by unheard.
        None | Some("*") => REVISIONS.move_on(None),
        Some(ids) => ids
            .split(',')
            .filter_map(|id| Uuid::parse_str(id).ok())
            .for_each(|id| REVISIONS.move_on(Some(id))),
    });
}

async fn tell(pool: PgPool, mut rx: mpsc::UnboundedReceiver<Option<Uuid>>, stop: CancellationToken) {
    loop {
        let first = tokio::select! {
            _ = stop.cancelled() => return,
            next = rx.recv() => match next { Some(town) => town, None => return },
        };
        let mut towns = vec![first];
        while let Ok(town) = rx.try_recv() {
            towns.push(town);
        }
        for payload in payloads(towns) {
            if let Err(e) =
                sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(&payload).execute(&pool).await
            {
                tracing::warn!(error = %e, "other processes not told of writes; their pages lapse in time");
            }
        }
        tokio::time::sleep(NOTICE_EVERY).await;
    }
}

/// The notices for `towns`: `*` if any write was the platform's, else the
/// distinct ids, a bounded number per notice.
fn payloads(mut towns: Vec<Option<Uuid>>) -> Vec<String> {
    if towns.contains(&None) {
        return vec!["*".to_owned()];
    }
    towns.sort_unstable();
    towns.dedup();
    let ids: Vec<String> = towns.into_iter().flatten().map(|id| id.to_string()).collect();
    ids.chunks(IDS_PER_NOTICE).map(|chunk| chunk.join(",")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_moves_its_town_on_and_the_platform_moves_all() {
        let r = Revisions::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let (a0, b0) = (r.of(a), r.of(b));
        r.move_on(Some(a));
        assert_ne!(r.of(a), a0);
        assert_eq!(r.of(b), b0);
        let (a1, b1) = (r.of(a), r.of(b));
        r.move_on(None);
        assert_ne!(r.of(a), a1);
        assert_ne!(r.of(b), b1);
    }

    #[test]
    fn notices_carry_distinct_ids_in_bounded_batches() {
        let a = Uuid::now_v7();
        assert_eq!(payloads(vec![Some(a), Some(a)]), vec![a.to_string()]);
        assert_eq!(payloads(vec![Some(a), None]), vec!["*".to_owned()]);
        let many: Vec<Option<Uuid>> = (0..450).map(|_| Some(Uuid::now_v7())).collect();
        let sent = payloads(many);
        assert_eq!(sent.len(), 3);
        assert!(sent.iter().all(|p| p.len() < 8000));
    }

    #[actix_web::test]
    async fn only_the_marked_post_route_is_marked() {
        use actix_web::{App, HttpRequest, HttpResponse, test};
        async fn marked(req: HttpRequest) -> HttpResponse {
            HttpResponse::Ok().body(req.extensions().contains::<ChangesNoPage>().to_string())
        }
        let app = test::init_service(
            App::new()
                .service(post_changing_no_page("/login", marked))
                .route("/login", web::get().to(marked))
                .route("/comment", web::post().to(marked)),
        )
        .await;
        for (method, path, expected) in
            [("POST", "/login", "true"), ("GET", "/login", "false"), ("POST", "/comment", "false")]
        {
            let req =
                test::TestRequest::default().method(method.parse().expect("method")).uri(path).to_request();
            let body = test::call_and_read_body(&app, req).await;
            assert_eq!(body, expected, "{method} {path}");
        }
    }
}
