//! `$input.path('$')` hands out views of the body's JSON tape instead of
//! building maps and lists. These tests check that templates cannot tell:
//! every template renders the same with the view and with the value tree
//! `$util.parseJson($input.body)` builds.

use proscenium_vtl::{Limits, RenderInput, parse};

/// Templates over `$r`, the document root.
const TEMPLATES: &[&str] = &[
    "$r",
    "$r.a $r.b $r.c $r.size() $r.isEmpty() $r.empty",
    "#foreach($x in $r)$x;#end",
    "#foreach($x in $r.a)$x $foreach.index $velocityCount;#end",
    "$r[0] $r[1] $r[-1] $r.a[0] $r.b.c",
    "#set($d = $r.put('z', 1))$r",
    "#set($l = $r.a)#set($d = $l.add(7))$r.a $l.size() $r",
    "#set($x = $r.b)#set($r.b = 5)$x $r.b",
    "$r.keySet() $r.values() $r.entrySet() $r.toString() $r.hashCode()",
    "#if($r == $util.parseJson($input.body))eq#end #if($r.a == $r.a)same#end",
    "#set($m = {})#set($d = $m.putAll($r))$m #set($l = [])#set($d = $l.add($r))$l",
    "$r.a.get(0) $r.a.contains(1) $r.a.indexOf(2) $r.a.subList(0, 1) $r.a.remove(0) $r.a",
    "#foreach($x in $r.a)#set($d = $r.a.set(0, 'q'))$x#end $r.a",
    "#foreach($x in $r.a)#if($foreach.index == 0)#set($d = $r.a.add(0))#end$x#end",
    "$input.json('$') $r.b.c.d",
];

const BODIES: &[&str] = &[
    r#"{"a":[1,2,3],"b":{"c":{"d":"e\"f"}},"c":null}"#,
    r#"{"a":[],"b":{},"c":1.5e3}"#,
    r#"[1,"two",{"a":[3]},[4,[5]],null,true,-0.0,12345678901234567890]"#,
    r#"{"a":[{"a":1},{"a":2}],"b":{"c":[{"d":1}]},"é":"\u00e9\ud83d\ude00"}"#,
    r#"  {"a" : [ 1 , 2 ] , "b" : { "c" : { "d" : [ ] } } }  "#,
    r#""text""#,
    "17",
    r#"{"a":1,"a":2,"b":[1]}"#,
];

fn render(template: &str, body: &str) -> String {
    let input = RenderInput {
        body: body.into(),
        ..RenderInput::default()
    };
    match parse(template)
        .expect("parses")
        .render(&input, &Limits::default())
    {
        Ok(r) => r.output,
        Err(e) => format!("<<{:?}>>", e.kind),
    }
}

#[test]
fn views_render_like_value_trees() {
    for body in BODIES {
        for t in TEMPLATES {
            let view = render(&format!("#set($r = $input.path('$')){t}"), body);
            let tree = render(&format!("#set($r = $util.parseJson($input.body)){t}"), body);
            assert_eq!(view, tree, "template {t:?} on {body}");
        }
    }
}

#[test]
fn random_bodies_render_like_value_trees() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for _ in 0..300 {
        let body = random_json(&mut next, 0);
        for t in TEMPLATES {
            let view = render(&format!("#set($r = $input.path('$')){t}"), &body);
            let tree = render(
                &format!("#set($r = $util.parseJson($input.body)){t}"),
                &body,
            );
            assert_eq!(view, tree, "template {t:?} on {body}");
        }
    }
}

fn random_json(next: &mut impl FnMut(u64) -> u64, depth: usize) -> String {
    let pick = if depth > 3 { next(5) } else { next(8) };
    match pick {
        0 => "null".into(),
        1 => ["true", "false"][next(2) as usize].into(),
        2 => [
            "0",
            "-7",
            "3000000000",
            "1.25",
            "1e-7",
            "99999999999999999999",
        ][next(6) as usize]
            .into(),
        3 => ["\"a\"", "\"b\\\"c\"", "\"\\u00e9\"", "\"\""][next(4) as usize].into(),
        4 => "\"d\"".into(),
        5 | 6 => {
            let n = next(4);
            let items: Vec<String> = (0..n).map(|_| random_json(next, depth + 1)).collect();
            format!("[{}]", items.join(","))
        }
        _ => {
            let n = next(4);
            let keys = ["a", "b", "c", "d"];
            let items: Vec<String> = (0..n)
                .map(|_| {
                    let k = keys[next(4) as usize];
                    format!("\"{k}\":{}", random_json(next, depth + 1))
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
    }
}
