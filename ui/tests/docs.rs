//! The documentation's command examples, run: every ```console block of the README and of the
//! book under docs/src is a list of `ksim` commands with their output, and trycmd runs each one
//! from the repository root and compares what it prints (standard output and error together;
//! `...` stands for lines left out, `[..]` for part of a line, `? N` for the exit code).

use std::path::Path;

#[test]
fn console_examples_in_the_docs_print_what_they_show() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root");
    // The examples name files from the repository root, as a reader types them there; trycmd
    // runs a Markdown case in the test's current directory.
    std::env::set_current_dir(root).expect("the repository root exists");
    let data = std::env::temp_dir().join(format!("ksim-docs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).expect("a temporary data directory");
    let cases = trycmd::TestCases::new();
    cases
        // English unless a command says `--lang ko`; progress goes to a directory of its own.
        .env("LC_ALL", "C.UTF-8")
        .env("LC_MESSAGES", "C.UTF-8")
        .env("LANG", "C.UTF-8")
        .env("XDG_DATA_HOME", data.display().to_string())
        .env("NO_COLOR", "1")
        .case(root.join("README.md"))
        .case(root.join("docs/src/*.md"))
        .case(root.join("docs/src/ko/*.md"));
    cases.run();
    let _ = std::fs::remove_dir_all(&data);
}
