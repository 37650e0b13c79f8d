//! The route trie: resource path + HTTP method → the deployed method, as API Gateway routes.
//!
//! Pure and allocation-light. Precedence at every level: a literal part, then `{param}`, then
//! `{proxy+}`; within a resource, the exact method, then `ANY`. A branch that cannot serve the
//! method is abandoned for the next one (backtracking is bounded by the depth of the tree).
//! Each level is one hash lookup, so lookup cost does not grow with the number of resources.
//!
//! Must not: know about HTTP bodies, integrations or the store.

use std::borrow::Cow;
use std::collections::HashMap;

use percent_encoding::percent_decode_str;

/// What a resource holds: its id and path, and a value per HTTP method (`ANY` included).
#[derive(Debug)]
pub struct Entry<T> {
    pub resource_id: String,
    pub resource_path: String,
    pub methods: Map<String, T>,
}

/// The router's maps: looked up on every request, so a fast (non-SipHash) hasher seeded per
/// process.
pub type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug)]
struct Node<T> {
    literals: Map<String, Node<T>>,
    param: Option<Box<(String, Node<T>)>>,
    greedy: Option<Box<(String, Entry<T>)>>,
    entry: Option<Entry<T>>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            literals: Map::default(),
            param: None,
            greedy: None,
            entry: None,
        }
    }
}

/// A path parameter bound by a match. `{param}` values are percent-decoded; a greedy
/// `{proxy+}` value is the rest of the path as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathParam {
    pub name: String,
    pub value: String,
    pub greedy: bool,
}

/// A successful lookup.
#[derive(Debug)]
pub struct RouteMatch<'a, T> {
    pub entry: &'a Entry<T>,
    pub value: &'a T,
    pub params: Vec<PathParam>,
}

/// Why a resource could not be inserted (a broken snapshot; reported at compile time).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("two variable path parts at the same level: {0} and {1}")]
    ConflictingVariables(String, String),
    #[error("a resource below a greedy path part: {0}")]
    BelowGreedy(String),
    #[error("duplicate resource path: {0}")]
    Duplicate(String),
}

#[derive(Debug)]
pub struct Router<T> {
    root: Node<T>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            root: Node::default(),
        }
    }
}

impl<T> Router<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the resource at `entry.resource_path` (`/`, `/pets/{id}`, `/{proxy+}`).
    pub fn insert(&mut self, entry: Entry<T>) -> Result<(), RouteError> {
        let path = entry.resource_path.clone();
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let mut node = &mut self.root;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
                if !last {
                    return Err(RouteError::BelowGreedy(path));
                }
                if let Some(existing) = &node.param {
                    return Err(RouteError::ConflictingVariables(
                        existing.0.clone(),
                        name.into(),
                    ));
                }
                if node.greedy.is_some() {
                    return Err(RouteError::Duplicate(path));
                }
                node.greedy = Some(Box::new((name.to_string(), entry)));
                return Ok(());
            }
            if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                if let Some(g) = &node.greedy {
                    return Err(RouteError::ConflictingVariables(g.0.clone(), name.into()));
                }
                let slot = node
                    .param
                    .get_or_insert_with(|| Box::new((name.to_string(), Node::default())));
                if slot.0 != name {
                    return Err(RouteError::ConflictingVariables(
                        slot.0.clone(),
                        name.into(),
                    ));
                }
                node = &mut slot.1;
            } else {
                node = node.literals.entry((*part).to_string()).or_default();
            }
        }
        if node.entry.is_some() {
            return Err(RouteError::Duplicate(path));
        }
        node.entry = Some(entry);
        Ok(())
    }

    /// Finds the method serving `method` at `path` (the resource path as sent, still
    /// percent-encoded). Leading and trailing slashes are ignored.
    pub fn lookup(&self, method: &str, path: &str) -> Option<RouteMatch<'_, T>> {
        let trimmed = path.trim_matches('/');
        // The segments on the stack for the usual depths; a deeper path allocates.
        let mut stack = [""; 32];
        let mut deep = Vec::new();
        let mut depth = 0;
        if !trimmed.is_empty() {
            for seg in trimmed.split('/') {
                if let Some(slot) = stack.get_mut(depth) {
                    *slot = seg;
                    depth += 1;
                } else {
                    deep = trimmed.split('/').collect();
                    break;
                }
            }
        }
        let segments = if deep.is_empty() {
            stack.get(..depth).unwrap_or_default()
        } else {
            &deep[..]
        };
        let mut params = Vec::new();
        let (entry, value) = find(&self.root, segments, trimmed, 0, method, &mut params)?;
        Some(RouteMatch {
            entry,
            value,
            params,
        })
    }
}

fn method_of<'a, T>(entry: &'a Entry<T>, method: &str) -> Option<&'a T> {
    entry
        .methods
        .get(method)
        .or_else(|| entry.methods.get("ANY"))
}

/// Depth-first search in precedence order. `offset` is where `segments[0]` starts in `full`.
fn find<'a, T>(
    node: &'a Node<T>,
    segments: &[&str],
    full: &str,
    offset: usize,
    method: &str,
    params: &mut Vec<PathParam>,
) -> Option<(&'a Entry<T>, &'a T)> {
    let Some((seg, rest)) = segments.split_first() else {
        let entry = node.entry.as_ref()?;
        return method_of(entry, method).map(|v| (entry, v));
    };
    let next_offset = offset + seg.len() + 1;
    if !seg.is_empty() {
        if let Some(child) = node.literals.get(decode(seg).as_ref())
            && let Some(found) = find(child, rest, full, next_offset, method, params)
        {
            return Some(found);
        }
        if let Some(slot) = &node.param {
            let mark = params.len();
            params.push(PathParam {
                name: slot.0.clone(),
                value: decode(seg).into_owned(),
                greedy: false,
            });
            if let Some(found) = find(&slot.1, rest, full, next_offset, method, params) {
                return Some(found);
            }
            params.truncate(mark);
        }
    }
    let (name, entry) = node.greedy.as_deref()?;
    let value = method_of(entry, method)?;
    params.push(PathParam {
        name: name.clone(),
        value: full.get(offset..).unwrap_or_default().to_string(),
        greedy: true,
    });
    Some((entry, value))
}

fn decode(seg: &str) -> Cow<'_, str> {
    if seg.contains('%') {
        percent_decode_str(seg).decode_utf8_lossy()
    } else {
        Cow::Borrowed(seg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a router from `(path, [methods])`; each method's value is `"{path} {METHOD}"`.
    fn router(resources: &[(&str, &[&str])]) -> Router<String> {
        let mut r = Router::new();
        for (i, (path, methods)) in resources.iter().enumerate() {
            r.insert(Entry {
                resource_id: format!("r{i}"),
                resource_path: (*path).to_string(),
                methods: methods
                    .iter()
                    .map(|m| ((*m).to_string(), format!("{path} {m}")))
                    .collect(),
            })
            .unwrap();
        }
        r
    }

    fn hit(r: &Router<String>, method: &str, path: &str) -> Option<String> {
        r.lookup(method, path).map(|m| m.value.clone())
    }

    /// Paths deeper than the segments kept on the stack route the same way.
    #[test]
    fn deep_paths() {
        let deep: String = (0..40).map(|i| format!("/s{i}")).collect();
        let r = router(&[(deep.as_str(), &["GET"]), ("/s0/{proxy+}", &["ANY"])]);
        assert_eq!(hit(&r, "GET", &deep), Some(format!("{deep} GET")));
        let m = r.lookup("GET", &format!("{deep}/x")).unwrap();
        assert_eq!(m.value, "/s0/{proxy+} ANY");
        assert_eq!(m.params[0].value, format!("{}/x", &deep[4..]));
        assert_eq!(hit(&r, "GET", "/s0/s1"), Some("/s0/{proxy+} ANY".into()));
    }

    /// Precedence table: (method, request path, expected `"{resource} {METHOD}"` or none).
    #[test]
    fn precedence_table() {
        let r = router(&[
            ("/", &["GET"]),
            ("/pets", &["GET", "ANY"]),
            ("/pets/{id}", &["GET"]),
            ("/pets/mine", &["GET"]),
            ("/pets/{id}/toys", &["ANY"]),
            ("/{proxy+}", &["ANY"]),
            ("/files/{path+}", &["GET"]),
        ]);
        let table: &[(&str, &str, Option<&str>)] = &[
            // The root resource, with or without a trailing slash.
            ("GET", "/", Some("/ GET")),
            ("GET", "", Some("/ GET")),
            // A method before ANY on the same resource.
            ("GET", "/pets", Some("/pets GET")),
            ("DELETE", "/pets", Some("/pets ANY")),
            // Trailing slashes are ignored.
            ("GET", "/pets/", Some("/pets GET")),
            // A literal before {param}.
            ("GET", "/pets/mine", Some("/pets/mine GET")),
            ("GET", "/pets/42", Some("/pets/{id} GET")),
            // {param} before {proxy+}, and backtracking when the method is missing.
            ("POST", "/pets/42", Some("/{proxy+} ANY")),
            ("PUT", "/pets/42/toys", Some("/pets/{id}/toys ANY")),
            ("PUT", "/pets/mine/toys", Some("/pets/{id}/toys ANY")),
            // Anything else falls to the greedy resource.
            ("GET", "/a/b/c", Some("/{proxy+} ANY")),
            ("GET", "/files/x/y", Some("/files/{path+} GET")),
            ("POST", "/files/x/y", Some("/{proxy+} ANY")),
            // The root has no ANY: POST / matches nothing (greedy needs a segment).
            ("POST", "/", None),
        ];
        for (method, path, want) in table {
            assert_eq!(hit(&r, method, path).as_deref(), *want, "{method} {path}");
        }
    }

    #[test]
    fn no_match_without_greedy() {
        let r = router(&[("/pets", &["GET"]), ("/pets/{id}", &["GET"])]);
        assert_eq!(hit(&r, "POST", "/pets"), None);
        assert_eq!(hit(&r, "GET", "/pets/1/2"), None);
        assert_eq!(hit(&r, "GET", "/cats"), None);
        assert_eq!(hit(&r, "GET", "/pets//"), Some("/pets GET".into()));
        assert_eq!(hit(&r, "GET", "/pets//1"), None);
    }

    #[test]
    fn parameters_are_decoded_but_greedy_is_raw() {
        let r = router(&[("/u/{name}", &["GET"]), ("/p/{proxy+}", &["GET"])]);
        let m = r.lookup("GET", "/u/john%20doe").unwrap();
        assert_eq!(m.params[0].value, "john doe");
        let m = r.lookup("GET", "/u/%E2%82%AC").unwrap();
        assert_eq!(m.params[0].value, "€");
        let m = r.lookup("GET", "/u/%ZZ").unwrap();
        assert_eq!(m.params[0].value, "%ZZ");
        let m = r.lookup("GET", "/p/a%2Bb//c/").unwrap();
        assert_eq!(m.params[0].value, "a%2Bb//c");
        assert!(m.params[0].greedy);
    }

    #[test]
    fn hostile_paths_do_not_panic() {
        let r = router(&[("/{a}", &["GET"]), ("/{a}/b/{proxy+}", &["ANY"])]);
        let long = "/%".repeat(10_000);
        for p in ["%", "/%%/", "//", "///b//", "/\u{0}/b/c", "/é/b/ü", &long] {
            let _ = r.lookup("GET", p);
            let _ = r.lookup("", p);
        }
        assert_eq!(hit(&r, "GET", "/%C3%A9").as_deref(), Some("/{a} GET"));
    }

    #[test]
    fn insert_rejects_broken_trees() {
        let mut r: Router<()> = Router::new();
        let e = |p: &str| Entry {
            resource_id: "x".into(),
            resource_path: p.into(),
            methods: Map::default(),
        };
        r.insert(e("/{a}")).unwrap();
        assert!(r.insert(e("/{b}/x")).is_err());
        assert!(r.insert(e("/{a}")).is_err());
        assert!(r.insert(e("/{p+}/x")).is_err());
    }

    #[test]
    fn lookup_cost_is_one_hash_per_level() {
        let paths: Vec<String> = (0..10_000).map(|i| format!("/r{i}/{{id}}")).collect();
        let mut r = Router::new();
        for (i, p) in paths.iter().enumerate() {
            r.insert(Entry {
                resource_id: i.to_string(),
                resource_path: p.clone(),
                methods: [("GET".to_string(), i)].into_iter().collect(),
            })
            .unwrap();
        }
        assert_eq!(*r.lookup("GET", "/r9999/7").unwrap().value, 9999);
        assert_eq!(r.lookup("GET", "/r10000/7").map(|m| *m.value), None);
    }
}
