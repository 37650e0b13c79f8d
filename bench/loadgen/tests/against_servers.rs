//! The generator run as the benchmark runs it, against small servers on loopback: what it
//! counts, how it splits the time between targets, and what it reports when a server fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::thread;

/// Answers every request on every connection with `answer`; with `close_after`, closes each
/// connection after that many answers.
fn server(answer: &'static [u8], close_after: Option<usize>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let mut s: TcpStream = stream.unwrap();
            thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let mut answered = 0;
                loop {
                    let Ok(n) = s.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        buf.drain(..end + 4);
                        if s.write_all(answer).is_err() {
                            return;
                        }
                        answered += 1;
                        if close_after == Some(answered) {
                            return;
                        }
                    }
                }
            });
        }
    });
    format!("http://{addr}/path")
}

fn run(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_proscenium-loadgen"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn two_targets_share_the_time_in_alternating_slices_at_the_rate() {
    let a = server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", None);
    let b = server(
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n",
        None,
    );
    let d = run(&[
        "--rate",
        "1000",
        "--conns",
        "4",
        "--seconds",
        "0.4",
        "--slice-ms",
        "50",
        "--warmup",
        "0.05",
        &format!("a={a}"),
        &format!("b={b}"),
    ]);
    let targets = d["targets"].as_array().unwrap();
    // 400 requests due in 0.4 s, 8 slices of 50 alternating a b b a a b b a: 200 each.
    assert_eq!(targets[0]["requests"], 200);
    assert_eq!(targets[1]["requests"], 200);
    assert_eq!(
        (targets[0]["non2xx"].as_u64(), targets[1]["non2xx"].as_u64()),
        (Some(0), Some(200))
    );
    assert_eq!(
        (targets[0]["errors"].as_u64(), targets[1]["errors"].as_u64()),
        (Some(0), Some(0))
    );
    let slices = d["slices"].as_array().unwrap();
    let order: Vec<u64> = slices
        .iter()
        .map(|s| s["target"].as_u64().unwrap())
        .collect();
    assert_eq!(order, [0, 1, 1, 0, 0, 1, 1, 0]);
    for s in slices {
        let (due, sent) = (
            s["ns"].as_array().unwrap(),
            s["service_ns"].as_array().unwrap(),
        );
        // a's 2xx answers are timed; b's 404s are counted, not timed.
        let timed = if s["target"] == 0 { 50 } else { 0 };
        assert_eq!(due.len(), timed);
        assert_eq!(sent.len(), timed);
        for (d, t) in due.iter().zip(sent) {
            assert!(t.as_u64() <= d.as_u64(), "from sending {t} > from due {d}");
        }
    }
}

#[test]
fn a_server_that_closes_its_connections_shows_as_errors_not_latencies() {
    let closing = server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", Some(1));
    let d = run(&[
        "--rate",
        "200",
        "--conns",
        "2",
        "--seconds",
        "0.2",
        "--warmup",
        "0",
        &format!("c={closing}"),
    ]);
    let t = &d["targets"][0];
    // Every connection answers once and then closes: the next request sent on it fails, and
    // the generator opens a new one in its place.
    assert!(t["errors"].as_u64().unwrap() > 0, "{t}");
    assert!(t["first_error"].as_str().unwrap().contains("closed"), "{t}");
    let recorded: usize = d["slices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ns"].as_array().unwrap().len())
        .sum();
    assert_eq!(recorded as u64, t["requests"].as_u64().unwrap());
    assert_eq!(
        t["requests"].as_u64().unwrap() + t["errors"].as_u64().unwrap(),
        40
    );
}
