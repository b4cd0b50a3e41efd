//! The JUnit XML format of `ksim check`, which CI systems display: one testsuite per scenario
//! file, one testcase per expectation, and a file that could not be parsed as an error.

use std::fmt::Write;

use super::{Outcome, ScenarioReport, Summary, failure_lines};

pub fn render(reports: &[ScenarioReport], summary: &Summary) -> String {
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    writeln!(
        out,
        "<testsuites name=\"ksim check\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        summary.expectations + summary.bad_input + summary.skipped,
        summary.expectations_failed,
        summary.bad_input,
    )
    .unwrap();
    for report in reports {
        suite(&mut out, report);
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(out: &mut String, report: &ScenarioReport) {
    let file = escape(&report.file);
    match &report.outcome {
        Outcome::BadInput { message } => {
            writeln!(
                out,
                "  <testsuite name=\"{file}\" tests=\"1\" failures=\"0\" errors=\"1\">"
            )
            .unwrap();
            writeln!(
                out,
                "    <testcase name=\"load scenario\" classname=\"{file}\" file=\"{file}\">"
            )
            .unwrap();
            let message = escape(message);
            writeln!(out, "      <error message=\"{message}\">{message}</error>").unwrap();
            out.push_str("    </testcase>\n");
        }
        Outcome::Skipped { name, reason } => {
            writeln!(
                out,
                "  <testsuite name=\"{file}\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">"
            )
            .unwrap();
            writeln!(
                out,
                "    <testcase name=\"{}\" classname=\"{file}\" file=\"{file}\">",
                escape(name)
            )
            .unwrap();
            writeln!(out, "      <skipped message=\"{}\"/>", escape(reason)).unwrap();
            out.push_str("    </testcase>\n");
        }
        Outcome::Ran {
            name,
            seed,
            results,
        } => {
            writeln!(
                out,
                "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"0\">",
                results.len(),
                report.failed_count(),
            )
            .unwrap();
            out.push_str("    <properties>\n");
            writeln!(
                out,
                "      <property name=\"scenario\" value=\"{}\"/>",
                escape(name)
            )
            .unwrap();
            writeln!(
                out,
                "      <property name=\"seed\" value=\"{}\"/>",
                seed.value
            )
            .unwrap();
            writeln!(
                out,
                "      <property name=\"seed_source\" value=\"{}\"/>",
                seed.source_name()
            )
            .unwrap();
            out.push_str("    </properties>\n");
            for result in results {
                let case = escape(&format!("line {}: {}", result.pos.line, result.subject));
                let open = format!(
                    "    <testcase name=\"{case}\" classname=\"{file}\" file=\"{file}\" line=\"{}\"",
                    result.pos.line
                );
                if result.passed() {
                    writeln!(out, "{open}/>").unwrap();
                    continue;
                }
                writeln!(out, "{open}>").unwrap();
                let at = ksim::engine::time::format_duration(result.at);
                let message = escape(&format!(
                    "at {at} {}: {}",
                    result.subject,
                    result.failures.join("; ")
                ));
                // Real newlines between the lines of the body, where they are only text.
                let body: Vec<String> = failure_lines(&report.file, result)
                    .iter()
                    .map(|line| escape(line))
                    .collect();
                let body = body.join("\n");
                writeln!(out, "      <failure message=\"{message}\">{body}</failure>").unwrap();
                out.push_str("    </testcase>\n");
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// Text made safe for an XML attribute or element: the five special characters become
/// entities, and characters XML 1.0 does not allow at all (most control characters) become
/// U+FFFD, since no escape can represent them.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Kept as character references, so that a newline in an attribute survives
            // attribute-value normalisation.
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            '\t' => escaped.push_str("&#9;"),
            c if is_xml_char(c) => escaped.push(c),
            _ => escaped.push('\u{FFFD}'),
        }
    }
    escaped
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::reports;
    use super::*;

    // The special characters become entities, forbidden characters a replacement character.
    #[test]
    fn escapes_xml() {
        assert_eq!(
            escape(r#"a<b> & "c" 'd'"#),
            "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;"
        );
        assert_eq!(escape("line\nnext\ttab"), "line&#10;next&#9;tab");
        assert_eq!(escape("bell\u{7}nul\u{0}"), "bell\u{FFFD}nul\u{FFFD}");
        assert_eq!(escape("ünïcode ✓ 😀"), "ünïcode ✓ 😀");
        assert_eq!(escape("\u{FFFE}"), "\u{FFFD}");
    }

    // The whole document: suites per file, cases per expectation, a parse error as <error>.
    #[test]
    fn renders_suites_and_cases() {
        let reports = reports();
        let xml = render(&reports, &Summary::of(&reports));
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="ksim check" tests="5" failures="1" errors="1">
  <testsuite name="scenarios/good.toml" tests="2" failures="0" errors="0">
    <properties>
      <property name="scenario" value="all is well"/>
      <property name="seed" value="7"/>
      <property name="seed_source" value="scenario"/>
    </properties>
    <testcase name="line 20: the ledger" classname="scenarios/good.toml" file="scenarios/good.toml" line="20"/>
    <testcase name="line 24: partition orders-0" classname="scenarios/good.toml" file="scenarios/good.toml" line="24"/>
  </testsuite>
  <testsuite name="scenarios/bad.toml" tests="2" failures="1" errors="0">
    <properties>
      <property name="scenario" value="acks=1 &amp; &lt;friends&gt;"/>
      <property name="seed" value="12345"/>
      <property name="seed_source" value="random"/>
    </properties>
    <testcase name="line 30: the ledger" classname="scenarios/bad.toml" file="scenarios/bad.toml" line="30"/>
    <testcase name="line 41: partition orders-0" classname="scenarios/bad.toml" file="scenarios/bad.toml" line="41">
      <failure message="at 60s partition orders-0: expected leader 2, found 3; expected isr [2, 3], found [3]">scenarios/bad.toml:41:1: at 60s partition orders-0: expected leader 2, found 3
scenarios/bad.toml:41:1: at 60s partition orders-0: expected isr [2, 3], found [3]</failure>
    </testcase>
  </testsuite>
  <testsuite name="scenarios/broken.toml" tests="1" failures="0" errors="1">
    <testcase name="load scenario" classname="scenarios/broken.toml" file="scenarios/broken.toml">
      <error message="scenarios/broken.toml:3:1: unknown key &quot;brokerz&quot;; did you mean &quot;brokers&quot;?">scenarios/broken.toml:3:1: unknown key &quot;brokerz&quot;; did you mean &quot;brokers&quot;?</error>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }
}
