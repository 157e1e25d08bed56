//! The core's modules form layers: a module imports only from modules in layers below its own, so there is
//! no import cycle and a lower module never learns a higher one's rules (the vault knows nothing of staff,
//! the audit chain nothing of permissions). This reads the source of `src/` and fails on any `crate::…`
//! path that points sideways or up. Test code (`tests.rs`, `*_tests.rs`, `tests/` folders) may use anything.

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, lowest first. Modules in one layer do not import each other.
const LAYERS: &[&[&str]] = &[
    &["limits"],
    &["error"],
    &["ids", "text", "sensitive", "progress", "pdf", "local_time", "limits", "collation"],
    &["passwords"],
    &["vault"],
    &["audit::chain"],
    &["access"],
    &["staff", "outbound", "devices"],
    &["audit"],
    &["clients", "settings"],
    &["notes", "intake", "disclosures", "minors"],
    &["consent"],
    &["families"],
    &["export", "backups"],
    &["setup"],
];

/// Files outside the layers: the crate root and code for tests, fuzzing and benchmarks, which may use anything.
const UNLAYERED: &[&str] = &["lib.rs", "fixture.rs", "testing.rs", "fuzzing.rs", "properties.rs"];

/// What `lib.rs` re-exports at the crate root, and from where (`crate::Vault` is an import of `vault`).
const ROOT_EXPORTS: &[(&str, &str)] = &[
    ("Error", "error"),
    ("ErrorCode", "error"),
    ("FolderProblem", "error"),
    ("Result", "error"),
    ("SecretKind", "error"),
    ("SecretString", "sensitive"),
    ("OwnerAccount", "staff"),
    ("CreateOptions", "vault"),
    ("Created", "vault"),
    ("Unlock", "vault"),
    ("Vault", "vault"),
    ("VaultPaths", "vault"),
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The declared module a file belongs to: `audit/chain.rs` is `audit::chain` if that is declared, else `audit`.
fn module_of(relative: &str) -> String {
    let without_rs = relative.trim_end_matches(".rs");
    let parts: Vec<&str> = without_rs.split('/').filter(|part| *part != "mod").collect();
    if parts.len() >= 2 {
        let nested = format!("{}::{}", parts[0], parts[1]);
        if rank(&nested).is_some() {
            return nested;
        }
    }
    parts[0].to_owned()
}

/// The declared module a `crate::` path names: `audit::chain::append` is `audit::chain`, `audit::list` is `audit`.
fn module_named(path: &str) -> String {
    let mut segments = path.split("::").map(str::trim);
    let first = segments.next().unwrap_or_default().to_owned();
    if let Some((_, module)) = ROOT_EXPORTS.iter().find(|(name, _)| *name == first) {
        return (*module).to_owned();
    }
    if let Some(second) = segments.next() {
        let nested = format!("{first}::{second}");
        if rank(&nested).is_some() {
            return nested;
        }
    }
    first
}

/// Every path after `crate::` in `code`, with `crate::{a, b::{c, d}}` groups spelled out (`a`, `b::c`, `b::d`).
fn crate_paths(code: &str) -> Vec<String> {
    fn expand(prefix: &str, text: &str, out: &mut Vec<String>) {
        let mut depth = 0;
        let mut start = 0;
        let bytes: Vec<char> = text.chars().collect();
        let mut items = Vec::new();
        for (index, character) in bytes.iter().enumerate() {
            match character {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(bytes[start..index].iter().collect::<String>());
                    start = index + 1;
                }
                _ => {}
            }
        }
        items.push(bytes[start..].iter().collect::<String>());
        for item in items.iter().map(|item| item.trim()).filter(|item| !item.is_empty()) {
            match item.find('{') {
                Some(open) => {
                    let inner = &item[open + 1..item.rfind('}').unwrap_or(item.len())];
                    expand(&format!("{prefix}{}", &item[..open]), inner, out);
                }
                None => out.push(format!("{prefix}{item}")),
            }
        }
    }
    let mut paths = Vec::new();
    let code: String =
        code.lines().filter(|line| !line.trim_start().starts_with("//")).map(|line| format!("{line}\n")).collect();
    let mut rest = code.as_str();
    while let Some(found) = rest.find("crate::") {
        rest = &rest[found + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|(_, character)| {
                    match character {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(index, _)| index);
            expand("", &group[..end], &mut paths);
        } else {
            let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
            paths.push(rest[..end].trim_end_matches(':').to_owned());
        }
    }
    paths
}

/// The file without its inline test module (`#[cfg(test)] mod tests { … }`, which may use anything).
fn without_inline_tests(code: &str) -> &str {
    code.find("#[cfg(test)]\nmod tests {").map_or(code, |at| &code[..at])
}

fn is_test_code(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    name == "tests.rs" || name.ends_with("_tests.rs") || relative.split('/').any(|part| part == "tests")
}

/// Every import that breaks the layering, as `file: module -> imported` lines.
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut found = Vec::new();
    for (relative, code) in files {
        if is_test_code(relative) || UNLAYERED.contains(&relative.as_str()) {
            continue;
        }
        let module = module_of(relative);
        let Some(own) = rank(&module) else {
            found.push(format!("{relative}: module {module} has no layer in LAYERS"));
            continue;
        };
        for path in crate_paths(without_inline_tests(code)) {
            let imported = module_named(&path);
            if imported == module || imported.is_empty() {
                continue;
            }
            match rank(&imported) {
                Some(theirs) if theirs < own => {}
                Some(_) => {
                    found.push(format!("{relative}: {module} imports crate::{path} ({imported} is not below it)"))
                }
                None => found.push(format!("{relative}: crate::{path} names no layered module")),
            }
        }
    }
    found
}

fn read_tree(root: &Path, folder: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(root, &path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.insert(relative, std::fs::read_to_string(&path).unwrap());
        }
    }
}

#[test]
fn every_module_imports_only_from_layers_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    read_tree(&root, &root, &mut files);
    // The scan sees real imports (so an empty result means something).
    assert!(crate_paths(&files["staff/mod.rs"]).iter().any(|path| module_named(path) == "access"));
    assert!(crate_paths(&files["access/mod.rs"]).iter().any(|path| module_named(path) == "audit::chain"));
    let found = violations(&files);
    assert!(found.is_empty(), "imports against the layering:\n{}", found.join("\n"));
}

#[test]
fn an_import_upwards_or_sideways_is_caught() {
    let files = |path: &str, code: &str| BTreeMap::from([(path.to_owned(), code.to_owned())]);
    let upwards = violations(&files("vault/mod.rs", "use crate::staff::Session;\n"));
    assert_eq!(upwards.len(), 1, "{upwards:?}");
    let grouped = violations(&files("audit/chain.rs", "use crate::{error::Result, audit::{list, chain::GENESIS}};\n"));
    assert_eq!(grouped.len(), 1, "{grouped:?}");
    assert!(grouped[0].contains("audit::list"), "{grouped:?}");
    let sideways = violations(&files("notes/store.rs", "fn f() { crate::minors::rules(); }\n"));
    assert_eq!(sideways.len(), 1, "{sideways:?}");
    let root = violations(&files("vault/mod.rs", "use crate::{Error, OwnerAccount};\n"));
    assert_eq!(root.len(), 1, "{root:?}");
    let unknown = violations(&files("newthing/mod.rs", "use crate::error::Result;\n"));
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    let allowed = violations(&files(
        "families/mod.rs",
        "// crate::export is only named in a comment\nuse crate::consent::prepare;\nuse crate::{audit::{actions, append}, vault::Vault};\n",
    ));
    assert!(allowed.is_empty(), "{allowed:?}");
    assert!(violations(&files("access/tests.rs", "use crate::consent::prepare;\n")).is_empty());
    let inline = "use crate::error::Result;\n#[cfg(test)]\nmod tests {\n    use crate::staff::load;\n}\n";
    assert!(violations(&files("vault/migrations.rs", inline)).is_empty(), "an inline test module may use anything");
    let before_tests = format!("use crate::staff::load;\n{inline}");
    assert_eq!(violations(&files("vault/migrations.rs", &before_tests)).len(), 1, "code before it is still checked");
}
