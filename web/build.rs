//! Embeds the shipped scenarios in the page: writes the list of `scenarios/*.toml` and of the
//! lesson files that are scenarios (`[lesson]` with `[cluster]`), each as an `include_str!`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut out = String::from(
        "/// (file name, text) of every shipped scenario.\npub const SHIPPED: &[(&str, &str)] = &[\n",
    );
    for dir in ["", "lessons"] {
        let dir = root.join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("scenarios/ is readable")
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).expect("a scenario is text");
            if !text.lines().any(|line| line.trim() == "[cluster]") {
                continue;
            }
            let name = path.strip_prefix(&root).unwrap().display().to_string();
            let path = path.canonicalize().unwrap();
            writeln!(out, "    ({name:?}, include_str!({:?})),", path.display()).unwrap();
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("shipped.rs");
    std::fs::write(dest, out).unwrap();
}
