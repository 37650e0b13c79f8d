//! The two performance budgets as ratios, measured so that a busy machine disturbs
//! them little: the variants run interleaved in batches, and each variant's fastest and
//! median batch are compared. Prints per-request times and `cache_hit / mock`,
//! `throttled+metrics / mock`.
//!
//! `CARGO_TARGET_DIR=/work/target-gw cargo bench -p proscenium-gateway --bench ratios`
#![allow(clippy::disallowed_methods)] // benchmarks time themselves

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::time::Instant;

const ROUNDS: usize = 60;
const BATCH: usize = 2000;

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let remote: SocketAddr = "127.0.0.1:40000".parse().expect("addr");
    let variants: Vec<_> = common::variants()
        .into_iter()
        .map(|(name, api, st)| (name, api, rt.block_on(common::gateway(api, st))))
        .collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..ROUNDS {
        for k in 0..variants.len() {
            let i = (k + round) % variants.len();
            let (_, api, gw) = &variants[i];
            let started = Instant::now();
            let ok = rt.block_on(async {
                let mut ok = 0;
                for _ in 0..BATCH {
                    ok += usize::from(common::invoke(gw, api, remote).await == 200);
                }
                ok
            });
            let per = started.elapsed().as_nanos() as f64 / BATCH as f64;
            assert_eq!(ok, BATCH, "every request answered 200");
            if round >= 5 {
                samples[i].push(per);
            }
        }
    }
    let stats: Vec<(f64, f64)> = samples
        .iter_mut()
        .map(|s| {
            s.sort_by(f64::total_cmp);
            (s[0], s[s.len() / 2])
        })
        .collect();
    for ((name, _, _), (min, median)) in variants.iter().zip(&stats) {
        println!("{name:<34} min {min:>8.0} ns   median {median:>8.0} ns");
    }
    let (mock_min, mock_med) = stats[0];
    for (idx, label) in [(1, "throttled+metrics / mock"), (2, "cache_hit / mock")] {
        let (min, med) = stats[idx];
        println!(
            "{label:<34} min {:.3}   median {:.3}   (speed of MOCK relative: {:.3})",
            min / mock_min,
            med / mock_med,
            mock_min / min
        );
    }
}
