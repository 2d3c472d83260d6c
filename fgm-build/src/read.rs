//! Reading definition files (FHIR DSTU2 XML, and the manifest) with roxmltree.

use std::fs;
use std::path::{Path, PathBuf};

use roxmltree::{Document, Node};

use crate::error::{Error, Result};
use crate::model::*;

/// The FHIR XML namespace.
pub const FHIR_NS: &str = "http://hl7.org/fhir";
/// The namespace of the message manifest.
pub const MANIFEST_NS: &str = "urn:fgm-rs:manifest:1";

/// A definition file's name and text, as embedded or read from disk.
#[derive(Debug, Clone)]
pub struct DefinitionFile {
    /// The path used in messages.
    pub path: PathBuf,
    /// The XML text.
    pub text: String,
}

/// Lists the `.xml` files below each path (a file, or a folder searched
/// recursively), in a stable order: paths in the order given, files within a
/// folder sorted by name.
pub fn list_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = fs::metadata(path)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_dir() {
            walk(path, &mut out)?;
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "xml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads files from disk (see [`list_files`]).
pub fn read_paths(paths: &[PathBuf]) -> Result<Vec<DefinitionFile>> {
    list_files(paths)?
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
            Ok(DefinitionFile { path, text })
        })
        .collect()
}

/// What one file turned out to hold.
pub enum Parsed {
    /// A StructureDefinition.
    Structure(StructureDef),
    /// A ValueSet.
    ValueSet(ValueSetDef),
    /// A message manifest.
    Manifest(Manifest),
    /// Something else (an example message, say), named by its root element.
    Other(String),
}

/// Parses one definition file.
pub fn parse_file(file: &DefinitionFile) -> Result<Parsed> {
    let doc = Document::parse(&file.text).map_err(|e| {
        let pos = e.pos();
        Error {
            file: Some(file.path.clone()),
            pos: Some(Pos {
                line: pos.row,
                column: pos.col,
            }),
            element: None,
            message: format!("not well-formed XML: {e}"),
        }
    })?;
    let cx = Cx {
        doc: &doc,
        file: &file.path,
    };
    let root = doc.root_element();
    let ns = root.tag_name().namespace();
    match (root.tag_name().name(), ns) {
        ("StructureDefinition", Some(FHIR_NS)) => cx.structure(root).map(Parsed::Structure),
        ("ValueSet", Some(FHIR_NS)) => cx.value_set(root).map(Parsed::ValueSet),
        ("manifest", Some(MANIFEST_NS)) => cx.manifest(root).map(Parsed::Manifest),
        ("StructureDefinition" | "ValueSet", _) => Err(Error::at(
            &cx.source(root),
            format!(
                "<{}> is not in the FHIR namespace {FHIR_NS}",
                root.tag_name().name()
            ),
        )),
        (name, _) => Ok(Parsed::Other(name.to_owned())),
    }
}

struct Cx<'a, 'input> {
    doc: &'a Document<'input>,
    file: &'a Path,
}

impl<'a, 'input> Cx<'a, 'input> {
    fn source(&self, node: Node) -> Source {
        let pos = self.doc.text_pos_at(node.range().start);
        Source {
            file: self.file.to_path_buf(),
            pos: Pos {
                line: pos.row,
                column: pos.col,
            },
        }
    }

    fn err(&self, node: Node, message: impl Into<String>) -> Error {
        Error::at(&self.source(node), message)
    }

    /// The `value` attribute of the first child element called `name`.
    fn value(&self, node: Node<'a, 'input>, name: &str) -> Option<String> {
        child(node, name).and_then(|c| attribute(c, "value").map(str::to_owned))
    }

    fn required(&self, node: Node<'a, 'input>, name: &str) -> Result<String> {
        self.value(node, name).ok_or_else(|| {
            self.err(
                node,
                format!(
                    "<{}> has no <{name} value=\"...\"/>",
                    node.tag_name().name()
                ),
            )
        })
    }

    fn structure(&self, root: Node<'a, 'input>) -> Result<StructureDef> {
        let url = self.required(root, "url")?;
        let list = child(root, "snapshot")
            .or_else(|| child(root, "differential"))
            .ok_or_else(|| {
                self.err(
                    root,
                    "StructureDefinition has neither a snapshot nor a differential",
                )
                .element(url.clone())
            })?;
        let elements = children(list, "element")
            .map(|e| self.element(e))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.element_if_none(&url))?;
        Ok(StructureDef {
            name: self.required(root, "name")?,
            version: self.value(root, "version"),
            description: self.value(root, "description"),
            kind: self.required(root, "kind")?,
            constrained_type: self.value(root, "constrainedType"),
            is_abstract: self.value(root, "abstract").as_deref() == Some("true"),
            elements,
            source: self.source(root),
            url,
        })
    }

    fn element(&self, node: Node<'a, 'input>) -> Result<ElementDef> {
        let path = self.required(node, "path")?;
        let at = |e: Error| e.element(path.clone());
        let min = match self.value(node, "min") {
            Some(v) => Some(
                v.parse::<u32>()
                    .map_err(|_| at(self.err(node, format!("min `{v}` is not a whole number"))))?,
            ),
            None => None,
        };
        let max = match self.value(node, "max") {
            Some(v) if v == "*" => Some(Max::Many),
            Some(v) => Some(Max::N(v.parse::<u32>().map_err(|_| {
                at(self.err(node, format!("max `{v}` is neither `*` nor a whole number")))
            })?)),
            None => None,
        };
        let base_max = match child(node, "base").and_then(|b| self.value(b, "max")) {
            Some(v) if v == "*" => Some(Max::Many),
            Some(v) => Some(Max::N(v.parse::<u32>().map_err(|_| {
                at(self.err(
                    node,
                    format!("base max `{v}` is neither `*` nor a whole number"),
                ))
            })?)),
            None => None,
        };
        let types = children(node, "type")
            .map(|t| {
                Ok(TypeRef {
                    code: self.required(t, "code").map_err(at)?,
                    profiles: children(t, "profile")
                        .filter_map(|p| attribute(p, "value").map(str::to_owned))
                        .collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let fixed = node
            .children()
            .filter(Node::is_element)
            .find(|c| c.tag_name().name().starts_with("fixed"))
            .map(|c| {
                let kind = c.tag_name().name()["fixed".len()..].to_owned();
                attribute(c, "value")
                    .map(|value| Fixed {
                        kind: kind.clone(),
                        value: value.to_owned(),
                    })
                    .ok_or_else(|| {
                        at(self.err(c, format!("fixed{kind} without a value attribute (complex fixed values are not supported)")))
                    })
            })
            .transpose()?;
        let binding = child(node, "binding")
            .map(|b| self.binding(b).map_err(at))
            .transpose()?;
        let slicing = child(node, "slicing").map(|s| Slicing {
            discriminators: children(s, "discriminator")
                .filter_map(|d| attribute(d, "value").map(str::to_owned))
                .collect(),
            rules: self.value(s, "rules").unwrap_or_else(|| "open".to_owned()),
            ordered: self.value(s, "ordered").as_deref() == Some("true"),
        });
        Ok(ElementDef {
            name: self.value(node, "name"),
            short: self.value(node, "short"),
            definition: self.value(node, "definition"),
            min,
            max,
            base_max,
            types,
            name_reference: self.value(node, "nameReference"),
            xml_attr: children(node, "representation")
                .any(|r| attribute(r, "value") == Some("xmlAttr")),
            fixed,
            binding,
            slicing,
            source: self.source(node),
            path,
        })
    }

    fn binding(&self, node: Node<'a, 'input>) -> Result<Binding> {
        let strength = match self.required(node, "strength")?.as_str() {
            "required" => Strength::Required,
            "extensible" => Strength::Extensible,
            "preferred" => Strength::Preferred,
            "example" => Strength::Example,
            other => return Err(self.err(node, format!("unknown binding strength `{other}`"))),
        };
        let reference = self
            .value(node, "valueSetUri")
            .or_else(|| child(node, "valueSetReference").and_then(|r| self.value(r, "reference")));
        Ok(Binding {
            strength,
            reference,
        })
    }

    fn value_set(&self, root: Node<'a, 'input>) -> Result<ValueSetDef> {
        let url = self.required(root, "url")?;
        let mut concepts = Vec::new();
        if let Some(cs) = child(root, "codeSystem") {
            let system = self.required(cs, "system")?;
            self.concepts(cs, &system, &mut concepts)?;
        }
        if let Some(compose) = child(root, "compose") {
            if let Some(import) = child(compose, "import") {
                return Err(self
                    .err(
                        import,
                        "compose/import of another value set is not supported",
                    )
                    .element(url));
            }
            for include in children(compose, "include") {
                let system = self.required(include, "system")?;
                if child(include, "concept").is_none() {
                    return Err(self
                        .err(include, format!("include of the whole code system {system} is not supported: list its concepts"))
                        .element(url));
                }
                if let Some(filter) = child(include, "filter") {
                    return Err(self
                        .err(filter, "include filters are not supported")
                        .element(url));
                }
                self.concepts(include, &system, &mut concepts)?;
            }
            if let Some(exclude) = child(compose, "exclude") {
                return Err(self
                    .err(exclude, "compose/exclude is not supported")
                    .element(url));
            }
        }
        Ok(ValueSetDef {
            name: self.required(root, "name")?,
            version: self.value(root, "version"),
            description: self.value(root, "description"),
            concepts,
            source: self.source(root),
            url,
        })
    }

    fn concepts(
        &self,
        parent: Node<'a, 'input>,
        system: &str,
        out: &mut Vec<Concept>,
    ) -> Result<()> {
        for concept in children(parent, "concept") {
            out.push(Concept {
                system: system.to_owned(),
                code: self.required(concept, "code")?,
                display: self.value(concept, "display"),
                definition: self.value(concept, "definition"),
            });
            // Nested concepts (DSTU2 hierarchies) are codes of the same system.
            self.concepts(concept, system, out)?;
        }
        Ok(())
    }

    fn attr(&self, node: Node<'a, 'input>, name: &str) -> Result<String> {
        attribute(node, name).map(str::to_owned).ok_or_else(|| {
            self.err(
                node,
                format!("<{}> has no `{name}` attribute", node.tag_name().name()),
            )
        })
    }

    fn number<T: std::str::FromStr>(&self, node: Node<'a, 'input>, name: &str) -> Result<T> {
        let text = self.attr(node, name)?;
        text.parse().map_err(|_| {
            self.err(
                node,
                format!("attribute `{name}` = `{text}` is not a valid number"),
            )
        })
    }

    fn max(&self, node: Node<'a, 'input>) -> Result<Max> {
        match attribute(node, "max") {
            Some("*") => Ok(Max::Many),
            Some(_) => Ok(Max::N(self.number(node, "max")?)),
            None => Ok(Max::N(1)),
        }
    }

    fn entry(&self, node: Node<'a, 'input>) -> Result<Entry> {
        Ok(Entry {
            name: self.attr(node, "name")?,
            profile: self.attr(node, "profile")?,
            min: match attribute(node, "min") {
                Some(_) => self.number(node, "min")?,
                None => 1,
            },
            max: self.max(node)?,
            contained: manifest_children(node, "contained")
                .map(|c| self.entry(c))
                .collect::<Result<_>>()?,
            source: self.source(node),
        })
    }

    fn manifest(&self, root: Node<'a, 'input>) -> Result<Manifest> {
        let mut manifest = Manifest {
            source: self.source(root),
            bundle: attribute(root, "bundle").map(str::to_owned),
            ..Manifest::default()
        };
        for node in root.children().filter(Node::is_element) {
            match node.tag_name().name() {
                "interaction" => manifest.interactions.push(Interaction {
                    name: self.attr(node, "name")?,
                    description: manifest_children(node, "description")
                        .next()
                        .and_then(|d| d.text())
                        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" ")),
                    event_code: self.attr(node, "event")?,
                    event_system: self.attr(node, "eventSystem")?,
                    direction: match self.attr(node, "direction")?.as_str() {
                        "request" => Direction::Request,
                        "response" => Direction::Response,
                        other => {
                            return Err(self.err(
                                node,
                                format!("direction `{other}` is neither `request` nor `response`"),
                            ))
                        }
                    },
                    endpoint: self.attr(node, "endpoint")?,
                    soap_action: self.attr(node, "soapAction")?,
                    success_status: self.number(node, "successStatus")?,
                    responds_to: attribute(node, "respondsTo").map(str::to_owned),
                    entries: manifest_children(node, "entry")
                        .map(|e| self.entry(e))
                        .collect::<Result<_>>()?,
                    source: self.source(node),
                }),
                "responseCode" => manifest.response_codes.push(ResponseCode {
                    code: self.attr(node, "code")?,
                    system: self.attr(node, "system")?,
                    http_status: self.number(node, "httpStatus")?,
                    severity: self.attr(node, "severity")?,
                    issue_type: self.attr(node, "issueType")?,
                    display: self.attr(node, "display")?,
                    legacy: attribute(node, "legacy").map(str::to_owned),
                    source: self.source(node),
                }),
                other => return Err(self.err(node, format!("unknown manifest element <{other}>"))),
            }
        }
        Ok(manifest)
    }
}

impl Error {
    fn element_if_none(self, element: &str) -> Self {
        if self.element.is_some() {
            self
        } else {
            self.element(element)
        }
    }
}

fn child<'a, 'input>(node: Node<'a, 'input>, name: &'a str) -> Option<Node<'a, 'input>> {
    children(node, name).next()
}

fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(FHIR_NS)
    })
}

fn manifest_children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |c| {
        c.is_element()
            && c.tag_name().name() == name
            && c.tag_name().namespace() == Some(MANIFEST_NS)
    })
}

/// An attribute in no namespace (roxmltree 0.21's `Node::attribute` with a
/// bare name also matches a namespaced `x:name`).
fn attribute<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attributes()
        .find(|a| a.namespace().is_none() && a.name() == name)
        .map(|a| a.value())
}
