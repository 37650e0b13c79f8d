//! Stable-toolchain stand-in for the fuzz targets: deterministic mutations of
//! the differential corpus and random token soups are parsed and rendered
//! under tight limits. Any panic, hang or stack overflow fails the test.
#![allow(clippy::disallowed_methods)] // a test bounds its own duration

use std::fs;
use std::path::Path;

use proscenium_vtl::{Limits, Params, RenderInput, parse};

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "$a",
    "$!a",
    "${a}",
    "$a.b",
    "$a.b()",
    "$a[0]",
    "$a[-1]",
    "#set($a = ",
    "#if(",
    "#elseif(",
    "#else",
    "#end",
    "#foreach($i in ",
    "#break",
    "#stop",
    "#macro(m $x)",
    "#m(",
    "#define($d)",
    "#evaluate(",
    ")",
    "(",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "\\",
    "\\\\",
    "##",
    "#*",
    "*#",
    "#[[",
    "]]#",
    "1",
    "-1",
    "2.5",
    "[1..3]",
    "[1..100000]",
    " && ",
    " || ",
    " == ",
    " < ",
    " + ",
    " / ",
    " % ",
    "!",
    "true",
    "$input.path('$')",
    "$input.json('$..x')",
    "$input.path('$.l[?(@.v > 1)]')",
    "$input.params()",
    "$util.escapeJavaScript(",
    "$util.parseJson('",
    "$util.urlDecode('%')",
    "$util.base64Decode('",
    "$context.requestOverride.header.X",
    ".add($a)",
    ".put('k', $a)",
    ".split('')",
    ".replaceAll('(', '$9')",
    ".substring(",
    "$foreach.hasNext",
    "\n",
    "  ",
    "é",
    "😀",
    "$",
];

/// Iterations per randomized test; `VTL_ROBUST_ROUNDS` raises it for soak runs.
fn rounds() -> usize {
    std::env::var("VTL_ROBUST_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn input(body: &str) -> RenderInput {
    RenderInput {
        body: body.into(),
        params: Params {
            path: vec![("id".into(), "1".into())],
            querystring: vec![("q".into(), "a b".into())],
            header: vec![("Accept".into(), "*/*".into())],
        },
        context: serde_json::json!({"identity": {"sourceIp": "1.2.3.4"}}),
        context_scalars: vec![("requestId", proscenium_vtl::ContextScalar::Text("r".into()))],
        stage_variables: vec![("env".into(), "dev".into())],
    }
}

fn limits() -> Limits {
    Limits {
        max_foreach_iterations: 50,
        max_depth: 12,
        max_output_bytes: 1 << 16,
        max_steps: 20_000,
    }
}

fn exercise(src: &str, body: &str) {
    if let Ok(t) = parse(src) {
        let _ = t.render(&input(body), &limits());
    }
}

fn corpus_templates() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("difftest/corpus");
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).expect("corpus dir").flatten() {
        let text = fs::read_to_string(entry.path()).unwrap_or_default();
        for chunk in text.split("--- template\n").skip(1) {
            out.push(chunk.split("\n=== ").next().unwrap_or("").to_string());
        }
    }
    out
}

#[test]
fn mutated_corpus_never_panics() {
    let templates = corpus_templates();
    assert!(templates.len() > 100);
    let body = r#"{"l":[{"v":1,"x":"a"},{"v":2}],"a":{"b":[1,2,3]},"s":"str"}"#;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..rounds() {
        let base = &templates[rng.below(templates.len())];
        let mut bytes: Vec<u8> = base.as_bytes().to_vec();
        for _ in 0..1 + rng.below(4) {
            match rng.below(4) {
                0 if !bytes.is_empty() => {
                    let i = rng.below(bytes.len());
                    bytes.truncate(i);
                }
                1 if !bytes.is_empty() => {
                    let i = rng.below(bytes.len());
                    bytes.remove(i);
                }
                _ => {
                    let i = rng.below(bytes.len() + 1);
                    let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                    bytes.splice(i..i, tok.iter().copied());
                }
            }
        }
        let src = String::from_utf8_lossy(&bytes);
        let b = if round % 7 == 0 { &src[..] } else { body };
        exercise(&src, b);
    }
}

#[test]
fn token_soup_never_panics() {
    let mut rng = Rng(42);
    for _ in 0..rounds() {
        let n = 1 + rng.below(24);
        let src: String = (0..n).map(|_| TOKENS[rng.below(TOKENS.len())]).collect();
        exercise(&src, r#"{"x":[1,{"y":"z"}]}"#);
    }
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let deep_if = "#if(true)".repeat(5000);
    assert!(parse(&deep_if).is_err());
    let deep_parens = "#set($a = ".to_string() + &"(".repeat(5000) + "1" + &")".repeat(5000) + ")";
    assert!(parse(&deep_parens).is_err());
    let long_chain = format!("#set($a = 1{})", " + 1".repeat(5000));
    assert!(parse(&long_chain).is_err());
    let deep_json = "[".repeat(100_000);
    exercise("$input.path('$')", &deep_json);
    let recursion = "#macro(r)#r()#end#r()";
    let t = parse(recursion).unwrap();
    assert!(t.render(&input(""), &Limits::default()).is_err());
    let grow = "#set($l = [])#foreach($i in [1..1000])#set($l = [$l, $l])#end$l.size()";
    let t = parse(grow).unwrap();
    let _ = t.render(&input(""), &Limits::default());
    let macro_loops = format!(
        "#macro(r){}#r(){}#end#r()",
        "#foreach($i in [1])".repeat(20),
        "#end".repeat(20)
    );
    assert!(
        parse(&macro_loops)
            .unwrap()
            .render(&input(""), &Limits::default())
            .is_err()
    );
    let nest = "#set($l = [])#foreach($i in [1..1000])#set($l = [$l])#end#if($l == $l)eq#end";
    let t = parse(nest).unwrap();
    let r = t.render(&input(""), &Limits::default()).unwrap();
    assert_eq!(r.output, "eq");
}

#[test]
fn exponential_growth_hits_a_limit() {
    for src in [
        "#set($s = 'ab')#foreach($i in [1..64])#set($s = $s.replace('', $s))#end",
        "#set($s = 'ab')#foreach($i in [1..64])#set($s = $s.concat($s))#end",
        "#set($s = 'ab')#foreach($i in [1..64])#set($s = $s + $s)#end",
        "#set($s = 'ab')#foreach($i in [1..64])#set($s = \"$s$s\")#end",
        "#set($s = 'ab')#foreach($i in [1..64])#set($s = $s.replaceAll('', $s))#end",
        "#set($l = [1])#foreach($i in [1..64])#set($d = $l.addAll($l.subList(0, $l.size())))#end",
        "#set($s = 'ab')#foreach($i in [1..64])#set($s = $util.escapeJavaScript($util.escapeJavaScript(\"$s'\")))#end",
    ] {
        let t = parse(src).expect(src);
        let err = t.render(&input(""), &Limits::default()).expect_err(src);
        assert_eq!(
            err.kind,
            proscenium_vtl::RenderErrorKind::Limit,
            "{src}: {err}"
        );
    }
}

#[test]
fn quadratic_work_is_bounded() {
    let keys: Vec<String> = (0..50_000).map(|i| format!("\"k{i}\":{i}")).collect();
    let body = format!("{{{}}}", keys.join(","));
    let t = parse("$input.path('$').size()").unwrap();
    let start = std::time::Instant::now();
    assert_eq!(
        t.render(&input(&body), &Limits::default()).unwrap().output,
        "50000"
    );
    let t = parse("#set($m = {})#foreach($i in [1..1000])#foreach($j in [1..1000])$!m.put(\"$i-$j\", 1)#end#end").unwrap();
    let small = Limits {
        max_steps: 200_000,
        ..Limits::default()
    };
    let err = t.render(&input(""), &small).unwrap_err();
    assert_eq!(err.kind, proscenium_vtl::RenderErrorKind::Limit);
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}
