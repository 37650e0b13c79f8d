//! Follows the other nodes' commits: a connection of its own LISTENs on the change channel,
//! and the global revision is also read every [`CHECK_EVERY`], which heals a notification
//! missed while the connection was down. A reconnection always moves the feed once (whatever
//! changed meanwhile is re-read).

use std::sync::Weak;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;

use super::{Shared, sql};

/// The periodic revision check: the upper bound of how late a missed notification is seen.
pub const CHECK_EVERY: Duration = Duration::from_millis(250);
/// The pause between reconnection attempts.
const RETRY_EVERY: Duration = Duration::from_millis(500);

pub fn spawn(shared: Weak<Shared>) {
    tokio::spawn(async move {
        let mut down_logged = false;
        loop {
            let Some((config, tls)) = shared.upgrade().map(|s| (s.config.clone(), s.tls.clone()))
            else {
                return;
            };
            match config.connect(tls).await {
                Ok((client, mut connection)) => {
                    let (tx, mut notes) = mpsc::unbounded_channel();
                    tokio::spawn(async move {
                        let mut messages =
                            futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                        while let Some(Ok(m)) = messages.next().await {
                            if let AsyncMessage::Notification(_) = m
                                && tx.send(()).is_err()
                            {
                                break;
                            }
                        }
                    });
                    if client
                        .batch_execute(&format!("LISTEN {}", sql::CHANNEL))
                        .await
                        .is_ok()
                    {
                        if down_logged {
                            tracing::info!("the PostgreSQL store is reachable again");
                            down_logged = false;
                        }
                        let mut first = true;
                        let mut tick = tokio::time::interval(CHECK_EVERY);
                        loop {
                            tokio::select! {
                                n = notes.recv() => if n.is_none() { break },
                                _ = tick.tick() => {}
                            }
                            let Some(sh) = shared.upgrade() else { return };
                            match sql::current_revision(&client).await {
                                Ok(rev) if first => {
                                    first = false;
                                    sh.seen.store(rev, std::sync::atomic::Ordering::SeqCst);
                                    sh.feed.send_modify(|v| *v += 1);
                                }
                                Ok(rev) => sh.observe(rev),
                                Err(_) => break,
                            }
                        }
                    }
                }
                Err(e) => {
                    if !down_logged {
                        tracing::warn!(
                            "the PostgreSQL store is unreachable: {e}; serving the last applied configuration"
                        );
                        down_logged = true;
                    }
                }
            }
            tokio::time::sleep(RETRY_EVERY).await;
        }
    });
}
