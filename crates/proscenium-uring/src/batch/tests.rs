//! The batch against real loopback sockets and a real ring.

use super::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// This thread's batch's submit count.
fn submits() -> u64 {
    thread_stats().map_or(0, |s| s.submits)
}

/// Installs the batch on this thread, lets the flusher run once, and opens a listener.
async fn installed() -> TcpListener {
    install().unwrap();
    tokio::task::yield_now().await; // the flusher's first poll
    TcpListener::bind("127.0.0.1:0").await.unwrap()
}

async fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
    let near = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (far, _) = listener.accept().await.unwrap();
    (near, far)
}

/// Waits for the send's outcome; the peer must be read meanwhile by another task.
async fn outcome_of(mut ticket: Ticket) -> io::Result<Vec<u8>> {
    for _ in 0..5000 {
        match ticket.take() {
            Ok(outcome) => return outcome,
            Err(t) => ticket = t,
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("the send never completed");
}

async fn read_n(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut got = vec![0; n];
    stream.read_exact(&mut got).await.unwrap();
    got
}

#[test]
fn without_a_batch_the_buffer_comes_back() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let socket = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    assert_eq!(send(&socket, b"GET /".to_vec()).unwrap_err(), b"GET /");
}

#[test]
fn install_refuses_the_multi_thread_runtime() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let err = rt.block_on(async { install() }).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{err}");
}

#[test]
fn the_sends_of_one_turn_go_in_one_submit() {
    current_thread().block_on(async {
        let listener = installed().await;
        let mut pairs = Vec::new();
        for _ in 0..8 {
            pairs.push(pair(&listener).await);
        }
        let before = submits();
        let tickets: Vec<Ticket> = pairs
            .iter()
            .enumerate()
            .map(|(i, (near, _))| send(near, format!("request {i}").into_bytes()).unwrap())
            .collect();
        assert_eq!(
            submits(),
            before,
            "nothing is submitted before the turn ends"
        );
        for (i, (_, far)) in pairs.iter_mut().enumerate() {
            let want = format!("request {i}");
            assert_eq!(read_n(far, want.len()).await, want.as_bytes());
        }
        assert_eq!(
            submits(),
            before + 1,
            "one io_uring_enter for the eight sends"
        );
        for (i, ticket) in tickets.into_iter().enumerate() {
            let buf = outcome_of(ticket).await.unwrap();
            assert_eq!(
                buf,
                format!("request {i}").into_bytes(),
                "the buffer comes back"
            );
        }
    });
}

#[test]
fn a_dropped_ticket_still_sends_before_the_socket_closes() {
    current_thread().block_on(async {
        let listener = installed().await;
        let (near, mut far) = pair(&listener).await;
        let ticket = send(&near, b"last words".to_vec()).unwrap();
        // The rule: the ticket first, then the socket; both before the flusher ran.
        drop(ticket);
        drop(near);
        let mut got = Vec::new();
        far.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"last words");
    });
}

#[test]
fn a_failed_send_reports_the_error_and_shuts_the_socket_down() {
    current_thread().block_on(async {
        let listener = installed().await;
        let (mut near, _far) = pair(&listener).await;
        near.shutdown().await.unwrap(); // our write side is closed: the send fails
        let ticket = send(&near, b"too late".to_vec()).unwrap();
        let err = outcome_of(ticket).await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(32), "EPIPE: {err}");
        // The socket was shut down both ways: a reader sees the end, not a wait.
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(Duration::from_secs(5), near.read(&mut byte)).await;
        assert!(matches!(read, Ok(Ok(0))), "{read:?}");
    });
}

#[test]
fn after_a_failed_send_the_next_socket_on_its_number_is_left_alone() {
    current_thread().block_on(async {
        let listener = installed().await;
        let (mut near, far) = pair(&listener).await;
        near.shutdown().await.unwrap();
        let number = near.as_raw_fd();
        let ticket = send(&near, b"too late".to_vec()).unwrap();
        outcome_of(ticket).await.unwrap_err();
        // The ticket is spent; the socket closes at once and its number is free.
        drop(near);
        drop(far);
        let (mut near, mut far) = pair(&listener).await;
        let reused = near.as_raw_fd() == number || far.as_raw_fd() == number;
        tokio::task::yield_now().await; // the flusher's turn
        tokio::time::sleep(Duration::from_millis(20)).await;
        near.write_all(b"ping").await.unwrap();
        assert_eq!(read_n(&mut far, 4).await, b"ping");
        far.write_all(b"pong").await.unwrap();
        assert_eq!(read_n(&mut near, 4).await, b"pong");
        assert!(reused, "the test needs the number reused ({number})");
    });
}

#[test]
fn installing_twice_is_refused() {
    current_thread().block_on(async {
        install().unwrap();
        let err = install().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    });
}

#[test]
fn a_large_send_waits_for_room_and_arrives_whole() {
    current_thread().block_on(async {
        let listener = installed().await;
        let (near, mut far) = pair(&listener).await;
        let data: Vec<u8> = (0..4 << 20).map(|i: u32| (i % 251) as u8).collect();
        let ticket = send(&near, data.clone()).unwrap();
        let reader = tokio::spawn(async move {
            // Start late: the socket buffers fill and the kernel waits for room.
            tokio::time::sleep(Duration::from_millis(50)).await;
            read_n(&mut far, 4 << 20).await
        });
        let sent = outcome_of(ticket).await.unwrap();
        assert_eq!(sent.len(), data.len());
        assert!(reader.await.unwrap() == data, "the bytes arrive in order");
    });
}

#[test]
fn more_sends_than_the_queue_holds_all_arrive() {
    current_thread().block_on(async {
        let listener = installed().await;
        let n = ENTRIES as usize + 44;
        let mut pairs = Vec::new();
        for _ in 0..n {
            pairs.push(pair(&listener).await);
        }
        let tickets: Vec<Ticket> = pairs
            .iter()
            .enumerate()
            .map(|(i, (near, _))| send(near, i.to_string().into_bytes()).unwrap())
            .collect();
        for (i, (_, far)) in pairs.iter_mut().enumerate() {
            let want = i.to_string();
            assert_eq!(read_n(far, want.len()).await, want.as_bytes());
        }
        for ticket in tickets {
            outcome_of(ticket).await.unwrap();
        }
    });
}
