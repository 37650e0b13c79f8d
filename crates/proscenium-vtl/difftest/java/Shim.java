// Differential-test shim: renders the proscenium-vtl corpus with Apache Velocity 1.7,
// supplying API Gateway's $input, $util, $context and $stageVariables.
// Usage: java Shim <corpus-dir> <out-dir>
import java.io.*;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import net.minidev.json.JSONValue;
import net.minidev.json.parser.JSONParser;
import org.apache.commons.lang.StringEscapeUtils;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;

public class Shim {
    /** One corpus case: named sections of text. */
    static final class Case {
        String name;
        Map<String, String> sections = new LinkedHashMap<>();
    }

    static List<Case> readCorpus(Path file) throws IOException {
        List<Case> out = new ArrayList<>();
        Case cur = null;
        String section = null;
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("=== ") || line.startsWith("--- ")) {
                if (cur != null && section != null) cur.sections.put(section, String.join("\n", lines));
                section = null;
                if (line.startsWith("=== ")) {
                    cur = new Case();
                    cur.name = line.substring(4).trim();
                    out.add(cur);
                } else if (cur != null) {
                    section = line.substring(4).trim();
                    lines = new ArrayList<>();
                }
                continue;
            }
            if (section != null) lines.add(line);
        }
        if (cur != null && section != null) cur.sections.put(section, String.join("\n", lines));
        return out;
    }

    /** Deep-converts json-smart containers into plain LinkedHashMap / ArrayList. */
    @SuppressWarnings("unchecked")
    static Object normalize(Object o) {
        if (o instanceof Map) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<Object, Object> e : ((Map<Object, Object>) o).entrySet())
                m.put(String.valueOf(e.getKey()), normalize(e.getValue()));
            return m;
        }
        if (o instanceof List) {
            List<Object> l = new ArrayList<>();
            for (Object x : (List<Object>) o) l.add(normalize(x));
            return l;
        }
        if (o instanceof Float) return Double.valueOf(((Float) o).doubleValue());
        return o;
    }

    static Object parseJson(String text) {
        try {
            String t = text.trim().isEmpty() ? "{}" : text;
            return normalize(new JSONParser(JSONParser.MODE_RFC4627).parse(t, JSONValue.defaultReader.DEFAULT_ORDERED));
        } catch (Exception e) {
            throw new RuntimeException("invalid JSON: " + e.getMessage());
        }
    }

    static void writeJson(StringBuilder sb, Object o) {
        if (o == null) sb.append("null");
        else if (o instanceof String) {
            String s = (String) o;
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    case '\b': sb.append("\\b"); break;
                    case '\f': sb.append("\\f"); break;
                    default:
                        if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                }
            }
            sb.append('"');
        } else if (o instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                if (!first) sb.append(',');
                first = false;
                writeJson(sb, String.valueOf(e.getKey()));
                sb.append(':');
                writeJson(sb, e.getValue());
            }
            sb.append('}');
        } else if (o instanceof List) {
            sb.append('[');
            boolean first = true;
            for (Object x : (List<?>) o) {
                if (!first) sb.append(',');
                first = false;
                writeJson(sb, x);
            }
            sb.append(']');
        } else sb.append(o.toString());
    }

    /** API Gateway's $input. */
    public static final class Input {
        private final String body;
        private final Map<String, Map<String, String>> params;
        private Object parsed;

        Input(String body, Map<String, Map<String, String>> params) {
            this.body = body;
            this.params = params;
        }

        public String getBody() { return body; }

        private Object root() {
            if (parsed == null) parsed = parseJson(body);
            return parsed;
        }

        public Object path(String p) {
            try {
                return normalize(JsonPath.read(root(), p));
            } catch (PathNotFoundException e) {
                return null;
            }
        }

        public String json(String p) {
            StringBuilder sb = new StringBuilder();
            Object v;
            try {
                v = normalize(JsonPath.read(root(), p));
            } catch (PathNotFoundException e) {
                return "";
            }
            writeJson(sb, v);
            return sb.toString();
        }

        public Map<String, Map<String, String>> params() { return params; }

        public String params(String name) {
            for (String k : new String[] {"path", "querystring", "header"}) {
                String v = params.get(k).get(name);
                if (v != null) return v;
            }
            return "";
        }
    }

    /** API Gateway's $util. */
    public static final class Util {
        public String escapeJavaScript(String s) { return StringEscapeUtils.escapeJavaScript(s); }
        public Object parseJson(String s) { return Shim.parseJson(s); }
        public String urlEncode(String s) throws Exception { return URLEncoder.encode(s, "UTF-8"); }
        public String urlDecode(String s) throws Exception { return URLDecoder.decode(s, "UTF-8"); }
        public String base64Encode(String s) {
            return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
        }
        public String base64Decode(String s) {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        }
    }

    /** API Gateway applies each override once: setting one twice fails the template. */
    public static final class OverrideMap extends LinkedHashMap<String, Object> {
        private final boolean onlyStatus;

        OverrideMap(boolean onlyStatus) { this.onlyStatus = onlyStatus; }

        @Override
        public Object put(String key, Object value) {
            if ((!onlyStatus || "status".equals(key)) && containsKey(key))
                throw new IllegalStateException("override applied twice: " + key);
            return super.put(key, value);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> ensureMap(Map<String, Object> parent, String key) {
        return ensureMap(parent, key, null);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> ensureMap(Map<String, Object> parent, String key, Boolean override) {
        Object o = parent.get(key);
        if (!(o instanceof Map)) {
            o = override == null ? new LinkedHashMap<String, Object>() : new OverrideMap(override);
            parent.put(key, o);
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static void dumpOverrides(StringBuilder sb, String prefix, Map<String, Object> m) {
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (e.getValue() instanceof Map)
                dumpOverrides(sb, prefix + e.getKey() + ".", (Map<String, Object>) e.getValue());
            else sb.append(prefix).append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        Path corpus = Paths.get(args[0]);
        Path outDir = Paths.get(args[1]);
        Files.createDirectories(outDir);
        String defaultContext = new String(Files.readAllBytes(corpus.resolveSibling("default-context.json")), StandardCharsets.UTF_8);

        Properties props = new Properties();
        props.setProperty("runtime.log.logsystem.class", "org.apache.velocity.runtime.log.NullLogChute");
        props.setProperty("directive.foreach.maxloops", "1000");
        // Each case is its own template: inline macros must not leak between cases.
        props.setProperty("velocimacro.permissions.allow.inline.local.scope", "true");
        VelocityEngine engine = new VelocityEngine(props);
        engine.init();

        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(corpus, "*.txt")) {
            for (Path p : ds) files.add(p);
        }
        Collections.sort(files);
        int n = 0;
        for (Path f : files) {
            for (Case c : readCorpus(f)) {
                n++;
                Map<String, Map<String, String>> params = new LinkedHashMap<>();
                for (String k : new String[] {"path", "querystring", "header"}) params.put(k, new LinkedHashMap<>());
                String ptext = c.sections.getOrDefault("params", "");
                for (String line : ptext.split("\n")) {
                    int dot = line.indexOf('.');
                    int eq = line.indexOf('=');
                    if (dot < 0 || eq < dot) continue;
                    Map<String, String> m = params.get(line.substring(0, dot));
                    if (m != null) m.put(line.substring(dot + 1, eq), line.substring(eq + 1));
                }
                Map<String, Object> ctx = (Map<String, Object>) parseJson(c.sections.getOrDefault("context", defaultContext));
                Map<String, Object> reqO = ensureMap(ctx, "requestOverride");
                for (String k : new String[] {"header", "querystring", "path"}) ensureMap(reqO, k, false);
                Map<String, Object> resO = ensureMap(ctx, "responseOverride", true);
                ensureMap(resO, "header", false);
                Object stage = parseJson(c.sections.getOrDefault("stage", "{\"env\":\"dev\",\"url\":\"https://example.com/a b\"}"));

                VelocityContext vc = new VelocityContext();
                vc.put("input", new Input(c.sections.getOrDefault("body", ""), params));
                vc.put("util", new Util());
                vc.put("context", ctx);
                vc.put("stageVariables", stage);
                StringWriter w = new StringWriter();
                String result;
                try {
                    engine.evaluate(vc, w, c.name, c.sections.getOrDefault("template", ""));
                    result = w.toString();
                    StringBuilder ov = new StringBuilder();
                    // Only what API Gateway (and Rendered) reads back.
                    dumpOverrides(ov, "requestOverride.", reqO);
                    Map<String, Object> resView = new LinkedHashMap<>();
                    resView.put("header", resO.get("header"));
                    if (resO.get("status") != null) resView.put("status", resO.get("status"));
                    dumpOverrides(ov, "responseOverride.", resView);
                    if (ov.length() > 0) result = result + "\n<<overrides>>\n" + ov;
                } catch (Throwable t) {
                    result = "<<error>>";
                }
                Files.write(outDir.resolve(c.name + ".out"), result.getBytes(StandardCharsets.UTF_8));
            }
        }
        System.out.println("java rendered " + n + " cases");
    }
}
