//! `ApiDefinition`: everything under one RestApi, edited by the control plane and frozen by a
//! deployment. The resource-tree rules (siblings, greedy paths, cycles) live here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::documentation::{DocumentationPart, DocumentationVersion};
use crate::resource::{PartKind, child_path, classify_path_part};
use crate::{
    Authorizer, GatewayResponse, Model, RequestValidator, Resource, RestApi, ValidationError,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDefinition {
    pub api: RestApi,
    /// Resources by id.
    pub resources: BTreeMap<String, Resource>,
    /// Models by name.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Authorizers by id.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// Request validators by id.
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
    /// Customised gateway responses by type.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Documentation parts by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documentation_parts: BTreeMap<String, DocumentationPart>,
    /// Documentation versions by version name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub documentation_versions: BTreeMap<String, DocumentationVersion>,
}

impl ApiDefinition {
    /// A new API with its root resource.
    pub fn new(api: RestApi) -> Self {
        let root = Resource {
            id: api.root_resource_id.clone(),
            parent_id: None,
            path_part: None,
            path: "/".into(),
            resource_methods: BTreeMap::new(),
        };
        let mut resources = BTreeMap::new();
        resources.insert(root.id.clone(), root);
        ApiDefinition {
            api,
            resources,
            models: BTreeMap::new(),
            authorizers: BTreeMap::new(),
            request_validators: BTreeMap::new(),
            gateway_responses: BTreeMap::new(),
            documentation_parts: BTreeMap::new(),
            documentation_versions: BTreeMap::new(),
        }
    }

    pub fn resource(&self, id: &str) -> Result<&Resource, ValidationError> {
        self.resources.get(id).ok_or_else(invalid_resource)
    }

    pub fn resource_mut(&mut self, id: &str) -> Result<&mut Resource, ValidationError> {
        self.resources.get_mut(id).ok_or_else(invalid_resource)
    }

    fn children<'a>(&'a self, parent: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .values()
            .filter(move |r| r.parent_id.as_deref() == Some(parent))
    }

    /// Checks that `part` may stand under `parent_id` (ignoring resource `except`, which is
    /// the one being moved or renamed).
    pub fn check_child(
        &self,
        parent_id: &str,
        part: &str,
        except: Option<&str>,
    ) -> Result<(), ValidationError> {
        let kind = classify_path_part(part)?;
        let parent = self.resources.get(parent_id).ok_or_else(invalid_resource)?;
        if let Some(pp) = parent.path_part.as_deref()
            && classify_path_part(pp).ok() == Some(PartKind::Greedy)
        {
            return Err(ValidationError::bad_request(format!(
                "Cannot create a child of a resource with a greedy path variable: {pp}"
            )));
        }
        for sibling in self.children(parent_id) {
            if Some(sibling.id.as_str()) == except {
                continue;
            }
            let sp = sibling.path_part.as_deref().unwrap_or_default();
            if sp == part {
                return Err(ValidationError::conflict(format!(
                    "Another resource with the same parent already has this name: {part}"
                )));
            }
            let sk = classify_path_part(sp).unwrap_or(PartKind::Literal);
            if kind != PartKind::Literal && sk != PartKind::Literal {
                return Err(ValidationError::bad_request(format!(
                    "A sibling ({sp}) of this resource already has a variable path part -- only one is allowed"
                )));
            }
        }
        Ok(())
    }

    /// Adds a child resource (the caller supplies the new id).
    pub fn create_resource(
        &mut self,
        id: String,
        parent_id: &str,
        part: &str,
    ) -> Result<&Resource, ValidationError> {
        self.check_child(parent_id, part, None)?;
        if self.resources.contains_key(&id) {
            return Err(ValidationError::conflict(
                "Unable to complete operation due to concurrent modification. Please try again later.",
            ));
        }
        let parent_path = self.resource(parent_id)?.path.clone();
        let r = Resource {
            id: id.clone(),
            parent_id: Some(parent_id.to_string()),
            path_part: Some(part.to_string()),
            path: child_path(&parent_path, part),
            resource_methods: BTreeMap::new(),
        };
        self.resources.insert(id.clone(), r);
        self.resource(&id)
    }

    /// Renames and/or moves a resource, recomputing the paths of its subtree.
    pub fn move_resource(
        &mut self,
        id: &str,
        new_parent: Option<&str>,
        new_part: Option<&str>,
    ) -> Result<(), ValidationError> {
        let current = self.resource(id)?.clone();
        let Some(current_parent) = current.parent_id.clone() else {
            return Err(ValidationError::bad_request(if new_part.is_some() {
                "Root resource cannot update its pathPart."
            } else {
                "Root resource cannot update its parentId."
            }));
        };
        let parent = new_parent.unwrap_or(&current_parent).to_string();
        let part = new_part
            .map(str::to_string)
            .or(current.path_part.clone())
            .unwrap_or_default();
        if !self.resources.contains_key(&parent) {
            return Err(invalid_resource());
        }
        if parent == id || self.descendants(id).iter().any(|d| d == &parent) {
            return Err(ValidationError::bad_request(
                "Resources cannot be cyclical.",
            ));
        }
        self.check_child(&parent, &part, Some(id))?;
        let r = self.resource_mut(id)?;
        r.parent_id = Some(parent);
        r.path_part = Some(part);
        self.recompute_paths();
        Ok(())
    }

    /// Ids of every resource below `id` (not `id` itself).
    pub fn descendants(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![id.to_string()];
        while let Some(cur) = stack.pop() {
            for c in self.children(&cur) {
                out.push(c.id.clone());
                stack.push(c.id.clone());
            }
        }
        out
    }

    /// Deletes a resource and everything under it.
    pub fn delete_resource(&mut self, id: &str) -> Result<(), ValidationError> {
        let r = self.resource(id)?;
        if r.parent_id.is_none() {
            return Err(ValidationError::bad_request("Cannot delete root resource"));
        }
        for d in self.descendants(id) {
            self.resources.remove(&d);
        }
        self.resources.remove(id);
        Ok(())
    }

    fn recompute_paths(&mut self) {
        let root = self.api.root_resource_id.clone();
        let mut stack = vec![(root, "/".to_string())];
        while let Some((id, path)) = stack.pop() {
            let kids: Vec<(String, String)> = self
                .children(&id)
                .map(|c| {
                    (
                        c.id.clone(),
                        child_path(&path, c.path_part.as_deref().unwrap_or_default()),
                    )
                })
                .collect();
            if let Some(r) = self.resources.get_mut(&id) {
                r.path = path;
            }
            stack.extend(kids);
        }
    }

    /// Whether any resource has at least one method (AWS refuses to deploy otherwise).
    pub fn has_methods(&self) -> bool {
        self.resources
            .values()
            .any(|r| !r.resource_methods.is_empty())
    }

    /// `path/METHOD` pairs where a model is used by a method request (for DeleteModel).
    pub fn model_users(&self, model: &str) -> Option<String> {
        self.resources.values().find_map(|r| {
            r.resource_methods.iter().find_map(|(m, method)| {
                method
                    .request_models
                    .values()
                    .any(|v| v == model)
                    .then(|| format!("{}/{}", r.path, m))
            })
        })
    }
}

fn invalid_resource() -> ValidationError {
    ValidationError::not_found("Invalid Resource identifier specified")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ApiDefinition {
        ApiDefinition::new(RestApi::new("api", "n", "root"))
    }

    #[test]
    fn resource_tree_rules() {
        let mut d = def();
        d.create_resource("a".into(), "root", "pets").unwrap();
        assert_eq!(d.resource("a").unwrap().path, "/pets");
        d.create_resource("b".into(), "a", "{id}").unwrap();
        assert_eq!(d.resource("b").unwrap().path, "/pets/{id}");
        let e = d.create_resource("c".into(), "a", "{other}").unwrap_err();
        assert_eq!(
            e.message,
            "A sibling ({id}) of this resource already has a variable path part -- only one is allowed"
        );
        let e = d.create_resource("c".into(), "root", "pets").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::Conflict);
        d.create_resource("g".into(), "root", "{proxy+}").unwrap();
        let e = d.create_resource("h".into(), "g", "x").unwrap_err();
        assert_eq!(
            e.message,
            "Cannot create a child of a resource with a greedy path variable: {proxy+}"
        );
        d.create_resource("lit".into(), "a", "toys").unwrap();
    }

    #[test]
    fn moves_recompute_paths_and_refuse_cycles() {
        let mut d = def();
        d.create_resource("a".into(), "root", "pets").unwrap();
        d.create_resource("b".into(), "a", "{id}").unwrap();
        d.move_resource("a", None, Some("animals")).unwrap();
        assert_eq!(d.resource("b").unwrap().path, "/animals/{id}");
        assert_eq!(
            d.move_resource("a", Some("b"), None).unwrap_err().message,
            "Resources cannot be cyclical."
        );
        assert_eq!(
            d.move_resource("root", None, Some("x"))
                .unwrap_err()
                .message,
            "Root resource cannot update its pathPart."
        );
        d.delete_resource("a").unwrap();
        assert_eq!(d.resources.len(), 1);
    }
}
