//! Differential test against Apache Velocity 1.7: renders every case of
//! `difftest/corpus/*.txt` and compares byte for byte with the outputs the Java
//! shim wrote to `$VTL_DIFFTEST_JAVA_OUT` (see `difftest/run.sh`).
//!
//! Without that variable the outputs recorded in `difftest/golden.txt` (by
//! `run.sh --bless`) are the reference, so `cargo test` needs no Java.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proscenium_vtl::{ContextScalar, Limits, Params, RenderInput, Rendered, parse};

struct Case {
    name: String,
    sections: Vec<(String, String)>,
}

impl Case {
    fn get(&self, k: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
}

fn read_corpus(file: &Path) -> Vec<Case> {
    let text = fs::read_to_string(file).expect("corpus file readable");
    let mut out: Vec<Case> = Vec::new();
    let mut section: Option<String> = None;
    let mut lines: Vec<&str> = Vec::new();
    let flush = |out: &mut Vec<Case>, section: &mut Option<String>, lines: &mut Vec<&str>| {
        if let (Some(s), Some(c)) = (section.take(), out.last_mut()) {
            c.sections.push((s, lines.join("\n")));
        }
        lines.clear();
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            flush(&mut out, &mut section, &mut lines);
            out.push(Case {
                name: name.trim().to_string(),
                sections: Vec::new(),
            });
        } else if let Some(s) = line.strip_prefix("--- ") {
            flush(&mut out, &mut section, &mut lines);
            if !out.is_empty() {
                section = Some(s.trim().to_string());
            }
        } else if section.is_some() {
            lines.push(line);
        }
    }
    flush(&mut out, &mut section, &mut lines);
    out
}

fn difftest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("difftest")
}

fn input_for(case: &Case, default_context: &str) -> RenderInput {
    let mut params = Params::default();
    for line in case.get("params").unwrap_or("").lines() {
        let (Some(dot), Some(eq)) = (line.find('.'), line.find('=')) else {
            continue;
        };
        if eq < dot {
            continue;
        }
        let pair = (line[dot + 1..eq].to_string(), line[eq + 1..].to_string());
        match &line[..dot] {
            "path" => params.path.push(pair),
            "querystring" => params.querystring.push(pair),
            "header" => params.header.push(pair),
            _ => {}
        }
    }
    let mut context: serde_json::Value =
        serde_json::from_str(case.get("context").unwrap_or(default_context)).expect("context JSON");
    // Every other case (by its template's length) gives top-level scalars by name, as the data
    // plane does, instead of in the tree: both ways must render alike. The engine adds them
    // after the tree's entries, so only the scalars after the last group go (the order of
    // `$context`'s keys stays).
    let mut context_scalars = Vec::new();
    if case.get("template").unwrap_or("").len().is_multiple_of(2)
        && let Some(o) = context.as_object_mut()
    {
        let scalar = |v: &serde_json::Value| !v.is_object() && !v.is_array() && !v.is_null();
        let tail = o.values().rev().take_while(|v| scalar(v)).count();
        let names: Vec<String> = o.keys().skip(o.len() - tail).cloned().collect();
        for name in names {
            let scalar = match &o[&name] {
                serde_json::Value::String(s) => ContextScalar::Text(s.as_str().into()),
                serde_json::Value::Bool(b) => ContextScalar::Bool(*b),
                serde_json::Value::Number(n) if n.is_i64() => {
                    ContextScalar::Number(n.as_i64().unwrap_or_default())
                }
                _ => continue,
            };
            o.shift_remove(&name);
            // The engine takes static names (the data plane's are constants).
            context_scalars.push((&*Box::leak(name.into_boxed_str()), scalar));
        }
    }
    let stage: serde_json::Value = serde_json::from_str(
        case.get("stage")
            .unwrap_or(r#"{"env":"dev","url":"https://example.com/a b"}"#),
    )
    .expect("stage JSON");
    let stage_variables = stage
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    RenderInput {
        body: case.get("body").unwrap_or("").into(),
        params,
        context,
        context_scalars,
        stage_variables,
    }
}

fn format_result(r: &Rendered) -> String {
    let mut ov = String::new();
    for (kind, pairs) in [
        ("header", &r.request_override.header),
        ("querystring", &r.request_override.querystring),
        ("path", &r.request_override.path),
    ] {
        for (k, v) in pairs {
            ov.push_str(&format!("requestOverride.{kind}.{k}={v}\n"));
        }
    }
    for (k, v) in &r.response_override.header {
        ov.push_str(&format!("responseOverride.header.{k}={v}\n"));
    }
    if let Some(s) = &r.response_override.status {
        ov.push_str(&format!("responseOverride.status={s}\n"));
    }
    if ov.is_empty() {
        r.output.clone()
    } else {
        format!("{}\n<<overrides>>\n{ov}", r.output)
    }
}

/// Reads `difftest/golden.txt`: Velocity's outputs recorded by
/// `run.sh --bless`, as `=== name byte-length` headers followed by the bytes.
fn read_golden(path: &Path) -> Option<BTreeMap<String, String>> {
    let text = fs::read_to_string(path).ok()?;
    let mut out = BTreeMap::new();
    let mut rest = text.as_str();
    while let Some(header_end) = rest.find('\n') {
        let header = rest.get(..header_end)?.strip_prefix("=== ")?;
        let (name, len) = header.rsplit_once(' ')?;
        let len: usize = len.parse().ok()?;
        let body = rest.get(header_end + 1..header_end + 1 + len)?;
        out.insert(name.to_string(), body.to_string());
        rest = rest.get(header_end + 1 + len + 1..).unwrap_or("");
    }
    Some(out)
}

fn write_golden(path: &Path, outputs: &[(String, String)]) {
    let mut text = String::new();
    for (name, body) in outputs {
        text.push_str(&format!("=== {name} {}\n{body}\n", body.len()));
    }
    fs::write(path, text).expect("write golden");
}

/// Compares every corpus case with Velocity's output: live from the Java shim
/// when `VTL_DIFFTEST_JAVA_OUT` is set, otherwise from the recorded
/// `difftest/golden.txt`, so plain `cargo test` still checks byte equality.
#[test]
fn differential_corpus() {
    let dir = difftest_dir();
    let default_context =
        fs::read_to_string(dir.join("default-context.json")).expect("default context");
    let known: BTreeSet<String> = fs::read_to_string(dir.join("known-divergences.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let java_out = std::env::var_os("VTL_DIFFTEST_JAVA_OUT").map(PathBuf::from);
    let bless = std::env::var_os("VTL_DIFFTEST_BLESS").is_some_and(|v| !v.is_empty());
    let golden_path = dir.join("golden.txt");
    let golden = read_golden(&golden_path);
    let source = if java_out.is_some() { "java" } else { "golden" };
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join("corpus"))
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let (mut total, mut passed, mut failed, mut known_hit) = (0, 0, Vec::new(), 0);
    let (mut missing, mut stale) = (Vec::new(), Vec::new());
    let mut recorded = Vec::new();
    let mut names = BTreeSet::new();
    for f in &files {
        for case in read_corpus(f) {
            total += 1;
            assert!(
                names.insert(case.name.clone()),
                "duplicate case name {}",
                case.name
            );
            let input = input_for(&case, &default_context);
            let ours = match parse(case.get("template").unwrap_or("")) {
                Ok(t) => match t.render(&input, &Limits::default()) {
                    Ok(r) => format_result(&r),
                    Err(_) => "<<error>>".to_string(),
                },
                Err(_) => "<<error>>".to_string(),
            };
            let expected = match &java_out {
                Some(java_dir) => {
                    let e = fs::read_to_string(java_dir.join(format!("{}.out", case.name)))
                        .unwrap_or_else(|_| panic!("no Java output for {}", case.name));
                    if golden.as_ref().and_then(|g| g.get(&case.name)) != Some(&e) {
                        stale.push(case.name.clone());
                    }
                    recorded.push((case.name.clone(), e.clone()));
                    e
                }
                None => match golden.as_ref().and_then(|g| g.get(&case.name)) {
                    Some(e) => e.clone(),
                    None => {
                        missing.push(case.name.clone());
                        continue;
                    }
                },
            };
            if expected == ours {
                passed += 1;
                if known.contains(&case.name) {
                    println!(
                        "NOW PASSING (remove from known-divergences.txt): {}",
                        case.name
                    );
                }
            } else if known.contains(&case.name) {
                known_hit += 1;
                println!("known divergence: {}", case.name);
            } else {
                println!(
                    "--- MISMATCH {}\n  {source}: {:?}\n  ours: {:?}",
                    case.name, expected, ours
                );
                failed.push(case.name.clone());
            }
        }
    }
    if bless && java_out.is_some() {
        write_golden(&golden_path, &recorded);
        println!(
            "difftest: recorded {} Velocity outputs in {}",
            recorded.len(),
            golden_path.display()
        );
        stale.clear();
    }
    println!(
        "difftest ({source}): {total} cases, {passed} identical, {known_hit} known divergences, {} unexpected",
        failed.len()
    );
    assert!(failed.is_empty(), "unexpected differences: {failed:?}");
    assert!(
        missing.is_empty(),
        "cases without a recorded Velocity output (run difftest/run.sh --bless): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "golden.txt differs from Velocity for {stale:?}: run difftest/run.sh --bless"
    );
}
