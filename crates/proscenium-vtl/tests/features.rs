//! Unit tests, one or more per language feature and per `$util` function,
//! with expected outputs checked against Apache Velocity 1.7 by hand or via
//! the differential corpus.

use proscenium_vtl::{Limits, Params, RenderErrorKind, RenderInput, parse};

fn render_with(src: &str, input: &RenderInput) -> String {
    parse(src)
        .expect("parses")
        .render(input, &Limits::default())
        .expect("renders")
        .output
}

fn r(src: &str) -> String {
    render_with(src, &RenderInput::default())
}

fn rb(src: &str, body: &str) -> String {
    render_with(
        src,
        &RenderInput {
            body: body.into(),
            ..RenderInput::default()
        },
    )
}

#[test]
fn references_and_null_rules() {
    assert_eq!(r("$a ${a} $!a $!{a} $a.b()"), "$a ${a}   $a.b()");
    assert_eq!(r("#set($a = 'x')$a ${a}y $!a $a.length()"), "x xy x 1");
    assert_eq!(
        r("#set($m = {})$m.put('k', 1)|$!m.put('k', 2)|$m"),
        "$m.put('k', 1)|1|{k=2}"
    );
    assert_eq!(r("#set($a = 'A')$a-b $a_b ${a}-b"), "$a-b $a_b A-b");
}

#[test]
fn escapes() {
    assert_eq!(r("\\$a \\\\$a \\\\\\$a"), "\\$a \\\\$a \\\\$a");
    assert_eq!(r("#set($a = 1)\\$a \\\\$a \\\\\\$a"), "$a \\1 \\$a");
    assert_eq!(r("\\#if \\#foo"), "#if \\#foo");
}

#[test]
fn comments_and_unparsed() {
    assert_eq!(r("a ## gone\nb #* x *# c"), "a b  c");
    assert_eq!(r("#[[ $x #if ]]#"), " $x #if ");
    assert_eq!(r("a #* unterminated"), "a ");
}

#[test]
fn whitespace_gobbling() {
    assert_eq!(r("a\n#set($x = 1)\nb\n"), "a\nb\n");
    assert_eq!(r("  #set($x = 1)x"), "x");
    assert_eq!(r("x\n  #set($x = 1)y"), "x\n  y");
    assert_eq!(r("#if(true)\nyes\n#else\nno\n#end\ne"), "yes\ne");
    assert_eq!(r("  #if(true)  \n  in\n  #end  \nf"), "    in\n  f");
    assert_eq!(r("#foreach($i in [1,2])\n$i\n#end\n"), "1\n2\n");
}

#[test]
fn set_and_assignment_targets() {
    assert_eq!(r("#set($a = 1)#set($a = $nope)$a"), "1");
    assert_eq!(
        r("#set($m = {})#set($m.k = 'v')#set($m.n = {})#set($m.n.z = 1)$m"),
        "{k=v, n={z=1}}"
    );
    assert_eq!(r("#set($l = [1, 2])#set($l[1] = 'b')$l"), "[1, b]");
}

#[test]
fn conditionals_and_truthiness() {
    assert_eq!(r("#if($nope)a#elseif(false)b#else c#end"), " c");
    assert_eq!(r("#set($e = '')#if($e)E#end#if('x')L#end#if(0)Z#end"), "E");
    assert_eq!(
        r("#if($n == $m)eq#end #if(1 == '1')s#end #if(1 == 1.0)f#end"),
        "eq s f"
    );
    assert_eq!(
        r("#set($a = 5)#if($a > 3 and $a lt 6 && !false)ok#end"),
        "ok"
    );
}

#[test]
fn foreach_loop_state() {
    let out = r(
        "#foreach($i in [1..3])$velocityCount$foreach.index$foreach.hasNext$foreach.first$foreach.last #end",
    );
    assert_eq!(out, "10truetruefalse 21truefalsefalse 32falsefalsetrue ");
    assert_eq!(r("#set($i = 'k')#foreach($i in [1])#end$i"), "k");
    assert_eq!(r("#foreach($i in [1..9])#if($i > 2)#break#end$i#end"), "12");
    assert_eq!(r("#foreach($v in {'a': 1, 'b': 2})$v#end"), "12");
    assert_eq!(
        r("#set($n = 0)#foreach($i in [1..1500])#set($n = $n + 1)#end$n"),
        "1000"
    );
}

#[test]
fn foreach_detects_concurrent_modification() {
    let t = parse("#set($l = [1, 2])#foreach($x in $l)#set($d = $l.add(3))#end").unwrap();
    let err = t
        .render(&RenderInput::default(), &Limits::default())
        .unwrap_err();
    assert_eq!(err.kind, RenderErrorKind::Invocation);
}

#[test]
fn stop_macro_define_evaluate() {
    assert_eq!(r("a#stop b"), "a");
    assert_eq!(
        r("#macro(p $a $b)[$a|$b]#end#p(1 'x')#p(2, 'y')"),
        "[1|x][2|y]"
    );
    assert_eq!(r("#early()#macro(early)E#end"), "E");
    assert_eq!(
        r("#set($w = 'A')#define($d)hi $w#end$d #set($w = 'B')$d"),
        "hi Ahi B"
    );
    assert_eq!(r("#set($t = '#set($x = 2)x=$x')#evaluate($t) $x"), "x=2 2");
}

#[test]
fn java_arithmetic() {
    assert_eq!(
        r("#set($a = 7 / 2)$a #set($a = -7 % 2)$a #set($a = 7.0 / 2)$a"),
        "3-13.5"
    );
    assert_eq!(
        r("#set($a = 2147483647 + 1)$a #set($a = 9223372036854775807 + 1)$a"),
        "21474836489223372036854775808"
    );
    assert_eq!(
        r("#set($a = 1)#set($a = 1 / 0)$a #set($b = 'x' + 1)$b"),
        "1x1"
    );
    assert_eq!(
        r("#set($d = 10000000000.0)$d #set($d = 0.00001)$d #set($d = 0.1 + 0.2)$d"),
        "1.0E101.0E-50.30000000000000004"
    );
}

#[test]
fn literals_lists_maps_ranges() {
    assert_eq!(
        r("#set($l = [1, 'a', [2], {'k': true}])$l $l.size()"),
        "[1, a, [2], {k=true}] 4"
    );
    assert_eq!(r("#set($r = [3..1])$r #set($r = [0..0])$r"), "[3, 2, 1][0]");
    assert_eq!(
        r("#set($s = \"a\"\"b\")$s #set($t = 'it''s $x')$t"),
        "a\"bit's $x"
    );
    assert_eq!(
        r("#set($n = 'N')#set($s = \"<$n #if(true)y#end>\")$s"),
        "<N y>"
    );
}

#[test]
fn string_methods() {
    let src = "#set($s = ' Hello, World ')$s.trim().length() $s.toUpperCase().trim() $s.indexOf('o') $s.lastIndexOf('o') $s.substring(1, 6) $s.replace('l', 'L') $s.contains('World') $s.trim().startsWith('He') $s.trim().endsWith('d') $s.charAt(1) $s.isEmpty()";
    assert_eq!(
        r(src),
        "12 HELLO, WORLD 5 9 Hello  HeLLo, WorLd  true true true H false"
    );
    assert_eq!(
        r("#set($c = 'a,b,,c,,')#foreach($p in $c.split(','))[$p]#end"),
        "[a][b][][c]"
    );
    assert_eq!(
        r(
            "#set($s = 'a1b22')$s.replaceAll('(\\d+)', '<$1>') $s.replaceFirst('\\d', '') $s.matches('[a-z0-9]+')"
        ),
        "a<1>b<22> ab22 true"
    );
    assert_eq!(
        r(
            "#set($s = 'Yes')$s.equals('Yes') $s.equalsIgnoreCase('yES') $s.compareTo('Yes') $s.hashCode() $s.concat('!')"
        ),
        "true true 0 88775 Yes!"
    );
    assert_eq!(r("#set($s = 'né😀')$s.length() $s.substring(2)"), "4 😀");
}

#[test]
fn collection_methods() {
    assert_eq!(
        r(
            "#set($l = [3, 1])$l.add(2) $l.get(0) $l.contains(1) $l.indexOf(2) $l.remove(0) $l $l.isEmpty() $l.size()"
        ),
        "true 3 true 2 3 [1, 2] false 2"
    );
    let m = "#set($m = {'a': 1})$m.put('b', 2)|$m.get('a') $m.containsKey('b') $m.containsValue(2) $m.keySet() $m.values() $m.entrySet() $m.remove('a') $m.size() $m.isEmpty()";
    assert_eq!(
        r(m),
        "$m.put('b', 2)|1 true true [a, b] [1, 2] [a=1, b=2] 1 1 false"
    );
    assert_eq!(
        r("#set($m = {'k': 'v'})#foreach($e in $m.entrySet())$e.key=$e.value#end"),
        "k=v"
    );
}

#[test]
fn number_methods() {
    assert_eq!(
        r(
            "#set($i = 42)#set($d = 2.5)$i.doubleValue() $d.intValue() $i.toString().length() $i.compareTo(7)"
        ),
        "42.0 2 2 1"
    );
}

#[test]
fn input_json_path_params() {
    let body = r#"{"a":{"b":[1,2.5,"x"]},"s":"q\"uote","n":null}"#;
    assert_eq!(
        rb(
            "$input.json('$.a') $input.json('$.s') $input.json('$.a.b[1]')",
            body
        ),
        r#"{"b":[1,2.5,"x"]} "q\"uote" 2.5"#
    );
    assert_eq!(
        rb(
            "$input.path('$.a') $input.path('$.a.b').size() $input.path('$.a.b')[2]",
            body
        ),
        "{b=[1, 2.5, x]} 3 x"
    );
    assert_eq!(
        rb("[$input.json('$.zz')] $!input.path('$.zz')|", body),
        "[] |"
    );
    assert_eq!(rb("$input.json('$')", ""), "{}");
    assert_eq!(rb("$input.body", "raw text"), "raw text");
    let input = RenderInput {
        params: Params {
            path: vec![("id".into(), "p".into())],
            querystring: vec![("id".into(), "q".into()), ("x".into(), "1".into())],
            header: vec![("h".into(), "H".into())],
        },
        ..RenderInput::default()
    };
    assert_eq!(
        render_with(
            "$input.params('id') $input.params('x') $input.params('h') [$input.params('no')]",
            &input
        ),
        "p 1 H []"
    );
    assert_eq!(
        render_with("$input.params()", &input),
        "{path={id=p}, querystring={id=q, x=1}, header={h=H}}"
    );
}

#[test]
fn input_path_results_are_independent_copies() {
    let out = rb(
        "#set($l = $input.path('$.l'))#set($d = $l.add(9))$l $input.path('$.l') $input.json('$.l')",
        r#"{"l":[1]}"#,
    );
    assert_eq!(out, "[1, 9] [1] [1]");
}

#[test]
fn jsonpath_features() {
    let body = r#"{"items":[{"n":"a","p":5,"t":"x"},{"n":"b","p":15},{"n":"c","p":25,"t":"x"}],"user-id":"u"}"#;
    assert_eq!(rb("$input.json('$.items[*].n')", body), r#"["a","b","c"]"#);
    assert_eq!(rb("$input.json('$..n')", body), r#"["a","b","c"]"#);
    assert_eq!(rb("$input.json('$.items[1:3].n')", body), r#"["b","c"]"#);
    assert_eq!(rb("$input.json('$.items[-1].n')", body), r#""c""#);
    assert_eq!(
        rb("$input.json('$.items[?(@.p > 10)].n')", body),
        r#"["b","c"]"#
    );
    assert_eq!(
        rb(
            "$input.json(\"$.items[?(@.t == 'x' && @.p < 10)].n\")",
            body
        ),
        r#"["a"]"#
    );
    assert_eq!(
        rb(
            "$input.json('$.user-id') $input.json(\"$['user-id']\")",
            body
        ),
        r#""u" "u""#
    );
}

#[test]
fn util_functions() {
    assert_eq!(
        r("$util.escapeJavaScript(\"it's /x/ é\")"),
        "it\\'s \\/x\\/ \\u00E9"
    );
    assert_eq!(
        rb("$util.escapeJavaScript($input.body)", "a\"b\nc"),
        "a\\\"b\\nc"
    );
    assert_eq!(
        r("#set($o = $util.parseJson('{\"a\":[1,{\"b\":null}]}'))$o.a[1] $o"),
        "{b=null} {a=[1, {b=null}]}"
    );
    assert_eq!(
        r("$util.urlEncode('a b/é&') $util.urlDecode('a+b%2F%C3%A9')"),
        "a+b%2F%C3%A9%26 a b/é"
    );
    assert_eq!(
        r("$util.base64Encode('hi?') $util.base64Decode('aGk/')"),
        "aGk/ hi?"
    );
}

#[test]
fn util_errors_fail_the_render() {
    for src in [
        "$util.urlDecode('%G1')",
        "$util.base64Decode('***')",
        "$util.parseJson('{')",
        "#set($s = 'a')$s.substring(4)",
    ] {
        let err = parse(src)
            .unwrap()
            .render(&RenderInput::default(), &Limits::default())
            .unwrap_err();
        assert_eq!(err.kind, RenderErrorKind::Invocation, "{src}");
    }
}

#[test]
fn context_stage_variables_and_overrides() {
    let input = RenderInput {
        context: serde_json::json!({"requestId": "r1", "identity": {"sourceIp": "1.2.3.4"}}),
        stage_variables: vec![("env".into(), "prod".into())],
        ..RenderInput::default()
    };
    let t = parse(concat!(
        "$context.requestId $context.identity.sourceIp $stageVariables.env $context.nope\n",
        "#set($context.requestOverride.header.X-A = 'a')",
        "#set($context.requestOverride.querystring.q = 1)",
        "#set($context.requestOverride.path.p = 'v')",
        "#set($context.responseOverride.status = 418)",
        "#set($context.responseOverride.header.Cache-Control = 'no-store')",
    ))
    .unwrap();
    let out = t.render(&input, &Limits::default()).unwrap();
    assert_eq!(out.output, "r1 1.2.3.4 prod $context.nope\n");
    assert_eq!(
        out.request_override.header,
        vec![("X-A".to_string(), "a".to_string())]
    );
    assert_eq!(
        out.request_override.querystring,
        vec![("q".to_string(), "1".to_string())]
    );
    assert_eq!(
        out.request_override.path,
        vec![("p".to_string(), "v".to_string())]
    );
    assert_eq!(out.response_override.status_code(), Some(418));
    assert_eq!(
        out.response_override.header,
        vec![("Cache-Control".to_string(), "no-store".to_string())]
    );
}

#[test]
fn context_scalars_read_without_building_the_map_behave_the_same() {
    let with = |context: serde_json::Value, src: &str| {
        let input = RenderInput {
            context,
            ..RenderInput::default()
        };
        render_with(src, &input)
    };
    let src = "$context.stage|$context.size()|$context.requestOverride.header.size()";
    assert_eq!(with(serde_json::json!([1, 2]), src), "$context.stage|2|0");
    assert_eq!(
        with(serde_json::json!("x"), "$context.stage $context"),
        "$context.stage {requestOverride={header={}, querystring={}, path={}}, responseOverride={header={}}}"
    );
    let src = "$context.a $context.b.c #set($context.a = 2)$context.a";
    assert_eq!(
        with(serde_json::json!({"a": 1, "b": {"c": "x"}}), src),
        "1 x2"
    );
}

#[test]
fn errors_carry_line_and_column() {
    let e = parse("line one\n  #if(true) open").unwrap_err();
    assert_eq!((e.line, e.column), (2, 3));
    let e = parse("ok\n#set($l = [1])\n  $l.get(5)")
        .unwrap()
        .render(&RenderInput::default(), &Limits::default())
        .unwrap_err();
    assert_eq!((e.line, e.column), (3, 3));
    assert!(e.message.contains("out of bounds"), "{}", e.message);
}

#[test]
fn limits_are_enforced() {
    let t = parse("#foreach($i in [1..1000])#foreach($j in [1..1000])x#end#end").unwrap();
    let e = t
        .render(
            &RenderInput::default(),
            &Limits {
                max_steps: 10_000,
                ..Limits::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Limit);
    let e = t
        .render(
            &RenderInput::default(),
            &Limits {
                max_output_bytes: 100,
                ..Limits::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Limit);
    let t = parse("#macro(m)#m()#end#m()").unwrap();
    assert_eq!(
        t.render(&RenderInput::default(), &Limits::default())
            .unwrap_err()
            .kind,
        RenderErrorKind::Limit
    );
    let t = parse("#foreach($i in [1..5])$i#end").unwrap();
    let out = t
        .render(
            &RenderInput::default(),
            &Limits {
                max_foreach_iterations: 3,
                ..Limits::default()
            },
        )
        .unwrap();
    assert_eq!(out.output, "123");
}

#[test]
fn template_is_send_sync_and_cheap_to_clone() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<proscenium_vtl::Template>();
    let t = parse("$x").unwrap();
    let t2 = t.clone();
    let h = std::thread::spawn(move || {
        t2.render(&RenderInput::default(), &Limits::default())
            .unwrap()
            .output
    });
    assert_eq!(h.join().unwrap(), "$x");
    assert_eq!(t.source(), "$x");
}

#[test]
fn unsupported_directives_are_errors() {
    let e = parse("#parse('x.vm')")
        .unwrap()
        .render(&RenderInput::default(), &Limits::default())
        .unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Unsupported);
}

#[test]
fn string_building_in_long_loops_is_not_output() {
    // 1000 interpolations of a growing string: ~2 MB built in total, 4 KB kept.
    let t =
        parse("#set($s = '')#foreach($i in [1..1000])#set($s = \"$s$i,\")#end$s.length()").unwrap();
    let out = t
        .render(&RenderInput::default(), &Limits::default())
        .unwrap();
    assert_eq!(out.output, "3893");
}

#[test]
fn an_override_can_be_set_only_once() {
    let t = parse(
        "#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)",
    )
    .unwrap();
    let e = t
        .render(&RenderInput::default(), &Limits::default())
        .unwrap_err();
    assert_eq!(e.kind, RenderErrorKind::Invocation);
    assert!(e.message.contains("only once"), "{}", e.message);
    let t = parse(
        "#set($context.requestOverride.header.A = 1)#set($context.requestOverride.header.B = 2)ok",
    )
    .unwrap();
    assert_eq!(
        t.render(&RenderInput::default(), &Limits::default())
            .unwrap()
            .output,
        "ok"
    );
}
