//! `proscenium-loadgen`: fixed-rate HTTP/1.1 load for the benchmark's latency phase.
//!
//! ```text
//! proscenium-loadgen [--rate 5000] [--conns 64] [--seconds 60] [--slice-ms 500] [--warmup 1]
//!                    [--spin-us 80] NAME=http://host:port/path ...
//! ```
//! Every target gets `--rate` requests a second during its slices; the slices rotate among the
//! targets (`schedule`), so two servers measured in one run see the same machine. The result,
//! on standard output, is JSON: each target's counts and each slice's latencies in nanoseconds
//! to the last byte of each 2xx answer, from when the request was due (`ns`) and from just
//! before it was written (`service_ns`, which leaves out the generator's own stalls before
//! sending). A summary goes to standard error. Between requests the loop sleeps, and spins only the last `--spin-us` before one is
//! due and while one is in flight: pin it to a CPU of its own (`taskset -c 1`).

mod drive;
mod response;
mod schedule;

use std::fmt::Write as _;
use std::net::ToSocketAddrs;
use std::process::ExitCode;

use drive::{Load, SliceRecord, Target};

struct Args {
    rate: f64,
    conns: usize,
    seconds: f64,
    slice_ms: f64,
    warmup: f64,
    spin_us: f64,
    targets: Vec<(String, String)>,
}

const USAGE: &str = "usage: proscenium-loadgen [--rate RPS] [--conns N] [--seconds S] [--slice-ms MS] [--warmup S] [--spin-us US] NAME=http://host:port/path ...";

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut a = Args {
        rate: 5000.0,
        conns: 64,
        seconds: 60.0,
        slice_ms: 500.0,
        warmup: 1.0,
        spin_us: 80.0,
        targets: Vec::new(),
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<f64, String> {
            let v = it.next().ok_or(format!("{name} needs a value"))?;
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or(format!("{name}: not a number: {v}"))
        };
        match arg.as_str() {
            "--rate" => a.rate = value("--rate")?,
            "--conns" => a.conns = value("--conns")? as usize,
            "--seconds" => a.seconds = value("--seconds")?,
            "--slice-ms" => a.slice_ms = value("--slice-ms")?,
            "--warmup" => a.warmup = value("--warmup")?,
            "--spin-us" => a.spin_us = value("--spin-us")?,
            "-h" | "--help" => return Err(USAGE.into()),
            t => match t.split_once('=') {
                Some((name, url)) if !name.is_empty() && !name.starts_with('-') => {
                    a.targets.push((name.into(), url.into()))
                }
                _ => return Err(format!("unknown argument: {t}\n{USAGE}")),
            },
        }
    }
    if a.targets.is_empty() {
        return Err(format!("no target\n{USAGE}"));
    }
    if a.rate < 1.0 || a.conns == 0 || a.seconds <= 0.0 || a.slice_ms < 1.0 {
        return Err("--rate ≥ 1, --conns ≥ 1, --seconds > 0 and --slice-ms ≥ 1".into());
    }
    Ok(a)
}

/// `http://host:port/path` → the address and the request sent to it.
fn target(url: &str) -> Result<Target, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or(format!("only http:// URLs: {url}"))?;
    let (authority, path) = rest
        .find('/')
        .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or(format!("{authority}: no address"))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: proscenium-loadgen\r\nAccept: */*\r\n\r\n"
    );
    Ok(Target {
        addr,
        request: request.into_bytes(),
    })
}

/// Nearest rank; `q_tenths` in tenths of a percent (990 for p99), in integers so that p99.9 of
/// 1 000 values is the 999th, not the last.
fn percentile(sorted: &[u64], q_tenths: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let n = sorted.len() as u64;
    let rank = (n * q_tenths).div_ceil(1000).clamp(1, n);
    sorted[rank as usize - 1]
}

/// A JSON string's content.
fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn report(a: &Args, load: &Load, records: &[SliceRecord]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"rate\":{},\"conns\":{},\"seconds\":{},\"slice_ms\":{},\"targets\":[",
        a.rate, a.conns, a.seconds, a.slice_ms
    );
    for (i, ((name, url), t)) in a.targets.iter().zip(&load.tallies).enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let err = escaped(t.first_error.as_deref().unwrap_or(""));
        let _ = write!(
            out,
            "{sep}{{\"name\":\"{}\",\"url\":\"{}\",\"requests\":{},\"non2xx\":{},\"errors\":{},\"first_error\":\"{err}\"}}",
            escaped(name),
            escaped(url),
            t.requests,
            t.non2xx,
            t.errors
        );
    }
    out.push_str("],\"slices\":[");
    for (i, s) in records.iter().enumerate() {
        let sep = if i > 0 { "," } else { "" };
        let _ = write!(out, "{sep}{{\"target\":{},\"ns\":[", s.target);
        numbers(&mut out, &s.latencies_ns);
        out.push_str("],\"service_ns\":[");
        numbers(&mut out, &s.service_ns);
        out.push_str("]}");
    }
    out.push_str("]}\n");
    out
}

/// One of target `i`'s latency lists over all its slices, sorted.
fn sorted(records: &[SliceRecord], i: usize, list: impl Fn(&SliceRecord) -> &Vec<u64>) -> Vec<u64> {
    let mut v: Vec<u64> = records
        .iter()
        .filter(|s| s.target == i)
        .flat_map(|s| list(s).iter().copied())
        .collect();
    v.sort_unstable();
    v
}

fn numbers(out: &mut String, v: &[u64]) {
    for (j, l) in v.iter().enumerate() {
        let _ = write!(out, "{}{l}", if j > 0 { "," } else { "" });
    }
}

fn main() -> ExitCode {
    let a = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let targets: Vec<Target> = match a.targets.iter().map(|(_, url)| target(url)).collect() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut load = match Load::connect(&targets, a.conns) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("connect: {e}");
            return ExitCode::from(1);
        }
    };
    let slice_ns = (a.slice_ms * 1e6) as u64;
    let spin_ns = (a.spin_us * 1e3) as u64;
    if a.warmup > 0.0 {
        for i in 0..targets.len() {
            load.run(
                a.rate,
                (a.warmup * 1e9) as u64,
                slice_ns,
                |_| i,
                spin_ns,
                false,
            );
        }
    }
    let n = targets.len();
    let records = load.run(
        a.rate,
        (a.seconds * 1e9) as u64,
        slice_ns,
        |s| schedule::target_of(s, n),
        spin_ns,
        true,
    );
    for (i, (name, _)) in a.targets.iter().enumerate() {
        let all = sorted(&records, i, |s| &s.latencies_ns);
        let service = sorted(&records, i, |s| &s.service_ns);
        let t = &load.tallies[i];
        let us = |q| percentile(&all, q) as f64 / 1e3;
        eprintln!(
            "{name}: {} requests, {} non-2xx, {} errors; p50 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs, max {:.0} µs; from sending: p50 {:.0} µs, p99 {:.0} µs",
            t.requests,
            t.non2xx,
            t.errors,
            us(500),
            us(990),
            us(999),
            us(1000),
            percentile(&service, 500) as f64 / 1e3,
            percentile(&service, 990) as f64 / 1e3
        );
    }
    print!("{}", report(&a, &load, &records));
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Result<Args, String> {
        parse_args(v.iter().map(|s| s.to_string()))
    }

    #[test]
    fn targets_and_options() {
        let a = args(&[
            "--rate",
            "100",
            "--slice-ms",
            "250",
            "a=http://127.0.0.1:1/x",
            "b=http://127.0.0.1:2",
        ])
        .unwrap();
        assert_eq!((a.rate, a.slice_ms, a.conns), (100.0, 250.0, 64));
        assert_eq!(
            a.targets[1],
            ("b".to_string(), "http://127.0.0.1:2".to_string())
        );
        assert!(args(&[]).is_err());
        assert!(args(&["--rate", "x", "a=http://127.0.0.1:1/"]).is_err());
        assert!(args(&["--bogus", "a=http://127.0.0.1:1/"]).is_err());
    }

    #[test]
    fn a_target_is_an_address_and_a_request() {
        let t = target("http://127.0.0.1:8080/restapis/a/b/_user_request_/mock?x=1").unwrap();
        assert_eq!(t.addr, "127.0.0.1:8080".parse().unwrap());
        assert!(t.request.starts_with(
            b"GET /restapis/a/b/_user_request_/mock?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
        ));
        assert!(target("https://127.0.0.1:1/").is_err());
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(
            (
                percentile(&v, 500),
                percentile(&v, 990),
                percentile(&v, 1000)
            ),
            (50, 99, 100)
        );
        assert_eq!(percentile(&v[..1], 999), 1);
        assert_eq!(percentile(&[], 500), 0);
        let thousand: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&thousand, 999), 999);
    }

    #[test]
    fn names_and_errors_are_escaped_in_the_json() {
        assert_eq!(escaped("a\"b\\c\n"), "a\\\"b\\\\c\\u000a");
    }
}
